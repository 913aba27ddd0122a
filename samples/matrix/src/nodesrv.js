// nodesrv: Node https server for the tlsdiag matrix.
// node nodesrv.js CHAIN KEY MIN MAX AUTH(none|optional|require) CA [KEYLOG]
const https = require('https'), fs = require('fs');
const [cert, key, min, max, auth, ca, keylog] = process.argv.slice(2);
const s = https.createServer({
  cert: fs.readFileSync(cert), key: fs.readFileSync(key), ca: fs.readFileSync(ca),
  minVersion: 'TLSv' + min, maxVersion: 'TLSv' + max,
  requestCert: auth !== 'none', rejectUnauthorized: auth === 'require',
}, (req, res) => { res.setHeader('Content-Type', 'text/plain'); res.end('mx-hello node\n'); });
if (keylog) s.on('keylog', line => fs.appendFileSync(keylog, line));
s.on('tlsClientError', e => console.error('tlsClientError', e.code || '', e.message));
s.listen(443);
