// nodetls: the node (https) server and client of make.sh.
//   node nodetls.js server HOST PORT CERT KEY [SNI-NAME CERT KEY]   GET /small.txt, /big.bin (192 KB), POST /upload
//   node nodetls.js get URL [SNI]       GET, 5 s timeout, certificate not checked
//   node nodetls.js post URL BYTES      POST BYTES bytes, 5 s timeout
'use strict';
const https = require('https'), tls = require('tls'), fs = require('fs');
const [mode, a1, a2, a3, a4, a5, a6, a7] = process.argv.slice(2);
const BODY = 196608;
if (mode === 'server') {
  const opts = { cert: fs.readFileSync(a3), key: fs.readFileSync(a4) };
  if (a5) {   // a second certificate for one server name
    const ctx = tls.createSecureContext({ cert: fs.readFileSync(a6), key: fs.readFileSync(a7) });
    opts.SNICallback = (name, cb) => cb(null, name === a5 ? ctx : null);
  }
  https.createServer(opts, (req, res) => {
    if (req.method === 'POST') {
      let n = 0;
      req.on('data', d => { n += d.length; });
      req.on('end', () => res.end('received ' + n + '\n'));
    } else if (req.url === '/big.bin') {
      res.end(Buffer.alloc(BODY, 'n'));
    } else {
      res.end('small blind2 page\n');
    }
  }).listen(+a2, a1);
} else {
  const u = new URL(a1);
  const o = { method: mode === 'post' ? 'POST' : 'GET', rejectUnauthorized: false, timeout: 5000, agent: false };
  if (mode === 'get' && a2) o.servername = a2;
  const req = https.request(u, o, res => {
    let n = 0;
    res.on('data', d => { n += d.length; });
    res.on('end', () => { console.log(res.statusCode, n, 'bytes'); process.exit(0); });
  });
  req.on('timeout', () => { console.log('timeout'); req.destroy(); process.exit(1); });
  req.on('error', e => { console.log('error:', e.message); process.exit(1); });
  if (mode === 'post') req.write(Buffer.alloc(+a2, 'q'));
  req.end();
}
