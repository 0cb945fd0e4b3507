// A stand-in for a real HTTP service: answers /health with 200 on PORT.
const http = require('http');
const port = Number(process.env.PORT || 8081);
http
  .createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/health' ? 'ok\n' : 'not found\n');
  })
  .listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
process.on('SIGINT', () => process.exit(0));
