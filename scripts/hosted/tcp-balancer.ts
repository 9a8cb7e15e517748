import net from 'node:net';

export interface TcpTarget {
  host: string;
  port: number;
}

export interface RunningTcpBalancer {
  address: string;
  port: number;
  /** Open connections per target, in target order. */
  connections(): number[];
  close(): Promise<void>;
}

/**
 * The network load balancer in front of the xds-server fleet, on loopback: TCP passed through
 * (mTLS stays end to end), each new connection to the target with the fewest open ones, a target
 * that refuses skipped, so a proxy whose replica died reconnects to another.
 */
export async function startTcpBalancer(o: { host: string; port: number; targets: TcpTarget[] }): Promise<RunningTcpBalancer> {
  const open = o.targets.map(() => 0);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const connect = (client: net.Socket, tried: Set<number>) => {
    const order = o.targets.map((_, i) => i).filter((i) => !tried.has(i)).sort((a, b) => open[a]! - open[b]! || a - b);
    const index = order[0];
    if (index === undefined) return client.destroy();
    tried.add(index);
    const target = o.targets[index]!;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      open[index]!++;
      upstream.once('close', () => open[index]!--);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) return connect(client, tried);
      client.destroy();
    });
    upstream.once('close', () => {
      if (connected) client.destroy();
    });
    client.once('close', () => upstream.destroy());
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => undefined);
    connect(client, new Set());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `${o.host}:${port}`,
    port,
    connections: () => [...open],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
