import net from 'node:net';

export interface PausableProxy {
  port: number;
  /** Holds every byte clients send (new connections too) until `resume()`; answers still flow back. */
  pause(): void;
  resume(): void;
  /** Connections with bytes held: requests that were sent while paused. */
  held(): number;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `target`: a client cut off from its server without an error, as in a network partition. */
export async function startPausableProxy(target: { host: string; port: number }): Promise<PausableProxy> {
  let paused = false;
  const queues = new Map<net.Socket, { upstream: net.Socket; chunks: Buffer[] }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const entry = { upstream, chunks: [] as Buffer[] };
    queues.set(client, entry);
    client.on('data', (chunk: Buffer) => (paused ? entry.chunks.push(chunk) : upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      queues.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      for (const { upstream, chunks } of queues.values()) for (const chunk of chunks.splice(0)) upstream.write(chunk);
    },
    held: () => [...queues.values()].filter((q) => q.chunks.length > 0).length,
    close: async () => {
      for (const client of queues.keys()) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
