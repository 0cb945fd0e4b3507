// A service for pm2-clj's end-to-end tests, run under pm2. MODE says how it behaves:
//   http         answers GET with 200 and its VERSION on PORT (the default)
//   http-500     answers every request with 500
//   tcp          accepts connections on PORT
//   quiet        stays up but never listens
//   crash        exits with 1 at once
//   crash-later  exits with 1 after CRASH_AFTER ms (default 300)
'use strict';
const mode = process.env.MODE || 'http';
const port = Number(process.env.PORT || 0);
const version = process.env.VERSION || '1';

if (mode === 'crash') {
  console.error(`crashing at once (version ${version})`);
  process.exit(1);
}
if (mode === 'crash-later') {
  setTimeout(() => {
    console.error('crashing later');
    process.exit(1);
  }, Number(process.env.CRASH_AFTER || 300));
}
if (mode === 'http' || mode === 'http-500') {
  require('http')
    .createServer((req, res) => {
      res.writeHead(mode === 'http' ? 200 : 500);
      res.end(version);
    })
    .listen(port, '127.0.0.1');
} else if (mode === 'tcp') {
  require('net').createServer((socket) => socket.end(version)).listen(port, '127.0.0.1');
}
setInterval(() => {}, 60 * 1000);
process.on('SIGINT', () => process.exit(0));
