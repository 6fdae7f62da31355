// capdiet example: a small Node.js HTTP app (core modules only, no npm).
// PORT (default 3000) on 127.0.0.1.  Like go-http it needs no capability,
// so whatever a diet records for it is the runtime's own noise.
'use strict';
const http = require('http');

const HOST = '127.0.0.1';

function fail(status, message) {
  process.stderr.write(`node-app: ${message}\n`);
  process.exit(status);
}

function parsePort(text) {
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 65535)
    fail(2, `PORT='${text}' is not a port number (1-65535)`);
  return Number(text);
}

function handle(req, res) {
  const reply = (code, body) => {
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(body);
  };
  if (req.url === '/healthz') return reply(200, 'ok\n');
  if (req.url === '/') return reply(200, 'hello from node-app\n');
  return reply(404, 'not found\n');
}

const port = parsePort(process.env.PORT || '3000');
const server = http.createServer(handle);
server.on('error', (err) =>
  fail(1, `cannot listen on ${HOST}:${port}: ${err.message} (is another server on that port?)`));
server.listen(port, HOST, () =>
  process.stderr.write(`node-app: listening on ${HOST}:${port}\n`));

// A SIGTERM from capdiet ends a trial cleanly: stop accepting, let open
// connections finish, but never hang on a client that keeps one open.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
