#!/usr/bin/env node
// A tiny HTTP workload that answers with its name: `node upstream.mjs v1 9081`.
import http from 'node:http';

const [name = 'app', port = '9081'] = process.argv.slice(2);
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': name });
    res.end(`${name}\n`);
  })
  .listen(Number(port), '127.0.0.1', () => console.log(`${name} listening on 127.0.0.1:${port}`));
