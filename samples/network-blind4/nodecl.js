// nodecl.js: make.sh's node client.  node nodecl.js get|post URL TIMEOUT-MS [BYTES]
// https.request, certificate not checked; on a timeout or error the socket is destroyed.
const https = require('https');
const [mode, url, tmo, bytes] = process.argv.slice(2);
const u = new URL(url);
const body = mode === 'post' ? Buffer.alloc(Number(bytes || 400), 'n') : null;
const req = https.request({ host: u.hostname, servername: u.hostname, port: u.port || 443, path: u.pathname,
  method: mode === 'post' ? 'POST' : 'GET', rejectUnauthorized: false, agent: false,
  headers: body ? { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length } : {} }, res => {
  let n = 0;
  res.on('data', d => { n += d.length; });
  res.on('end', () => { console.log(res.statusCode, n, 'bytes'); process.exit(0); });
});
const t = setTimeout(() => { console.log('timeout'); req.destroy(); setTimeout(() => process.exit(1), 100); }, Number(tmo));
req.on('error', e => { console.log('error:', e.message); process.exit(1); });
if (body) req.write(body);
req.end();
