import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReadinessServer {
  port: number;
  close(): Promise<void>;
}

/** `GET /ready`: 200 when `check()` says ready, 503 otherwise; the body says why. Loopback only. */
export async function startReadinessServer(port: number, check: () => Promise<{ ready: boolean; detail: Record<string, unknown> }>): Promise<ReadinessServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/ready' && req.url !== '/status')) {
      res.writeHead(404).end();
      return;
    }
    check().then(
      ({ ready, detail }) => {
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ready, ...detail }));
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
