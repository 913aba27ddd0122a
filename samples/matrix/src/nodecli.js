// nodecli: Node https client for the tlsdiag matrix; key log through the TLS socket's 'keylog' event.
// node nodecli.js URL CA MIN MAX [CERT KEY|- -] [N] [noreq]
const https = require('https'), tls = require('tls'), fs = require('fs');
const [url, ca, min, max, cert, key, n, mode] = process.argv.slice(2);
const keylog = process.env.SSLKEYLOGFILE;
const u = new URL(url);
const opts = { ca: fs.readFileSync(ca), minVersion: 'TLSv' + min, maxVersion: 'TLSv' + max };
if (cert && cert !== '-') { opts.cert = fs.readFileSync(cert); opts.key = fs.readFileSync(key); }
let session;
function logkeys(sock) { if (keylog) sock.on('keylog', line => fs.appendFileSync(keylog, line)); }
function one(i) {
  if (i >= (parseInt(n || '1'))) return;
  if (mode === 'noreq') {
    const s = tls.connect({ ...opts, host: u.hostname, port: 443,
      servername: /^[0-9.]+$/.test(u.hostname) ? undefined : u.hostname, session }, () => {
      console.log('handshake ok', s.getProtocol(), 'resumed', s.isSessionReused());
      // a TLS 1.3 ticket comes after the handshake: wait a moment for it before closing
      setTimeout(() => s.end(), 200); });
    logkeys(s);
    s.on('session', sess => { session = sess; });
    s.on('error', e => { console.log('error:', e.code || '', e.message); process.exitCode = 1; });
    s.on('close', () => setTimeout(() => one(i + 1), 300));
    return;
  }
  const agent = new https.Agent({ ...opts, keepAlive: false, maxCachedSessions: 4 });
  const req = https.get(url, { ...opts, agent: i === 0 ? (one.agent = agent) : one.agent }, res => {
    let body = ''; res.on('data', d => body += d);
    res.on('end', () => { console.log('HTTPSTATUS', res.statusCode, 'resumed', res.socket.isSessionReused ? res.socket.isSessionReused() : '?'); console.log(body);
      setTimeout(() => one(i + 1), 300); });
  });
  req.on('socket', logkeys);
  req.on('error', e => { console.log('error:', e.code || '', e.message); process.exitCode = 1; });
  req.setTimeout(8000, () => req.destroy(new Error('timeout')));
}
one(0);
