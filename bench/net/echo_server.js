// bench/net/echo_server.js - the Node `net` echo server of the network
// benchmark. Prints the port it listens on (port 0 = a free one), then
// echoes every chunk back until killed.
// Usage: node echo_server.js [HOST] [PORT]
'use strict';
const net = require('net');

const host = process.argv[2] || '127.0.0.1';
const port = Number(process.argv[3] || 0);

const server = net.createServer({ noDelay: true }, (sock) => {
  sock.on('data', (data) => sock.write(data));
  sock.on('error', () => sock.destroy());
});
server.listen(port, host, () => {
  process.stdout.write(server.address().port + '\n');
});
