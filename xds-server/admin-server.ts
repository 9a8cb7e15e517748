import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The xds-server's HTTP admin port: `GET /healthz` (200 once serving) for the ECS/NLB checks and
 * `GET /metrics` (Prometheus text) for scrapers inside the VPC.
 */
export async function startAdminServer(options: { host: string; port: number; ready: () => boolean; metrics?: Registry }): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics' && options.metrics) {
      const registry = options.metrics;
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics unavailable\n');
        },
      );
      return;
    }
    if (req.method === 'GET' && req.url === '/healthz') {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ok' : 'starting' }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
