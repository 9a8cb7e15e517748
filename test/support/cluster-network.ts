import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The cluster network as the API server sees it, without kube-proxy: an HTTP CONNECT proxy (the
 * API server's "cluster" egress) that sends a Service's ClusterIP:port to a loopback port.
 */
export interface ClusterNetwork {
  /** The Unix socket it listens on (HTTP CONNECT over TCP would need client TLS in the API server's egress). */
  socketPath: string;
  /** Routes `clusterIp:port` to 127.0.0.1:`target`. */
  route(clusterIp: string, port: number, target: number): void;
  /** Every CONNECT target the API server asked for, in order. */
  readonly requested: string[];
  close(): Promise<void>;
}

export async function startClusterNetwork(): Promise<ClusterNetwork> {
  const routes = new Map<string, number>();
  const requested: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    requested.push(target);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const port = routes.get(target);
    if (port === undefined) return client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    // A stopped backend: the API server sees a failed dial, as with a Service without ready endpoints.
    upstream.on('error', () => (connected ? client.destroy() : client.end('HTTP/1.1 503 Service Unavailable\r\n\r\n')));
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cluster-network-'));
  const socketPath = path.join(dir, 'egress.sock');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    route: (clusterIp, port, target) => routes.set(`${clusterIp}:${port}`, target),
    requested,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
