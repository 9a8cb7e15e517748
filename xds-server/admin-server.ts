import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

/** The xds-server's HTTP admin port: `GET /healthz` (200 once serving) for the ECS/NLB checks. */
export async function startAdminServer(options: { host: string; port: number; ready: () => boolean }): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
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
