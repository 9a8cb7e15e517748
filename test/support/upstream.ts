import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  port: number;
  /** Requests received, with the headers they carried. */
  received: { path: string; headers: http.IncomingHttpHeaders }[];
  /** Changes how the next requests are answered. */
  behave(b: Partial<UpstreamBehaviour>): void;
  close(): Promise<void>;
}

export interface UpstreamBehaviour {
  /** Every Nth request (1-based) is answered 503; 0 never. */
  failEvery: number;
  delayMs: number;
  status: number;
}

/** A local HTTP workload that answers with its name, so tests can see who served a request. */
export async function startUpstream(name: string, host = '127.0.0.1'): Promise<Upstream> {
  const received: Upstream['received'] = [];
  const behaviour: UpstreamBehaviour = { failEvery: 0, delayMs: 0, status: 200 };
  let count = 0;
  const server = http.createServer((req, res) => {
    received.push({ path: req.url ?? '', headers: req.headers });
    count++;
    const status = behaviour.failEvery > 0 && count % behaviour.failEvery === 0 ? 503 : behaviour.status;
    const reply = () => {
      res.writeHead(status, { 'content-type': 'text/plain', 'x-served-by': name });
      res.end(name);
    };
    if (behaviour.delayMs > 0) setTimeout(reply, behaviour.delayMs);
    else reply();
  });
  // An idle connection stays open longer than any test's pause: a server closing it after a short
  // idle time races Envoy reusing it from its pool, and Envoy answers that request with a 503
  // ("connection termination"). close() ends every connection itself.
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    behave: (b) => Object.assign(behaviour, b),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * A GET with its own Host header (fetch may not set Host), through a keep-alive agent so a
 * test's thousand requests reuse connections. Resolves to status, served-by and body.
 */
export function get(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<{ status: number; servedBy: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const servedBy = res.headers['x-served-by'];
        resolve({ status: res.statusCode ?? 0, servedBy: typeof servedBy === 'string' ? servedBy : undefined, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
