import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { Server, ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import type { AdsServer } from './ads-server.ts';

export interface ListeningAds {
  port: number;
  /** Ends the streams, then stops listening. */
  stop(): Promise<void>;
}

/** What the server asks of every connection, whoever is at the other end. */
export interface AdsTransportOptions {
  /**
   * The server pings each connection this often and drops it when a ping goes unanswered for
   * `keepaliveTimeoutMs`. A proxy whose host vanished without closing its connection (a crashed
   * instance, a partition) otherwise keeps its streams, and with them its registered endpoint,
   * until the kernel gives up on the socket, which for an idle one is never.
   */
  keepaliveTimeMs: number;
  /**
   * Long enough to outlast the event loop's worst stall: a ping's timeout runs in the timers phase,
   * before the poll phase reads the answer, so a loop held longer than this (a 10,000-sidecar
   * connection storm held one for up to 13.4 s) would drop healthy connections.
   */
  keepaliveTimeoutMs: number;
  /** The largest request accepted; a larger one ends its stream with RESOURCE_EXHAUSTED. */
  maxRequestBytes: number;
}

// Envoy's first request is ~62 KB (its node lists every extension it was built with); a delta
// request naming 10,000 resources (the per-type subscription limit) stays well under 4 MiB.
export const DEFAULT_TRANSPORT: AdsTransportOptions = { keepaliveTimeMs: 30_000, keepaliveTimeoutMs: 20_000, maxRequestBytes: 4 * 1024 * 1024 };

function grpcServerOptions(transport: Partial<AdsTransportOptions> = {}): ServerOptions {
  const t = { ...DEFAULT_TRANSPORT, ...transport };
  return {
    'grpc.keepalive_time_ms': t.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': t.keepaliveTimeoutMs,
    'grpc.max_receive_message_length': t.maxRequestBytes,
    // Nothing serves channelz here; tracking it costs every stream a timestamp and counters per message.
    'grpc.enable_channelz': 0,
  };
}

/**
 * Connections the kernel completes and holds for the server until it accepts them (Linux caps it
 * at net.core.somaxconn, 4096 by default). A connection storm holds the event loop for seconds
 * (a fleet's start, a replica's restart: thousands of proxies connecting at once), and connections
 * completing meanwhile wait in this queue. Past it they are dropped or reset, and their proxies
 * back off and retry, so the storm takes longer and costs more. grpc-js listens with Node's
 * default of 511, which 5,000 simulated sidecars in four processes overflowed. The price: more
 * connections wait for the loop and enter it in one poll phase, so that phase can be longer
 * (docs/architecture.md).
 */
export const LISTEN_BACKLOG = 4096;

/** `host:port`, with an IPv6 literal in brackets. */
export function joinHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `host:port` or `[ipv6]:port`. */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(address) ?? /^([^:[\]]+):(\d{1,5})$/.exec(address);
  const port = Number(m?.[2]);
  if (!m || port > 65_535) throw new Error(`xDS listen address "${address}" is not host:port (an IPv6 host in brackets)`);
  return { host: m[1]!, port };
}

function listenOn(listener: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ host, port, backlog: LISTEN_BACKLOG }, () => {
      listener.off('error', reject);
      resolve((listener.address() as net.AddressInfo).port);
    });
  });
}

function closeListener(listener: net.Server): Promise<void> {
  // Resolves once the connections it accepted are closed too (the sessions' shutdown closes them).
  return new Promise((resolve) => listener.close(() => resolve()));
}

/**
 * Serves `ads` on `host:port` (port 0 picks one; a name is served on every address it resolves
 * to, on one port) with the given credentials (insecure by default). The listening sockets are
 * Trellis's own, with a backlog of LISTEN_BACKLOG; each accepted connection is handed to grpc-js.
 */
export async function listenAds(ads: AdsServer, address: string, credentials: ServerCredentials = ServerCredentials.createInsecure(), transport: Partial<AdsTransportOptions> = {}): Promise<ListeningAds> {
  const { host, port: wanted } = splitHostPort(address);
  const hosts = net.isIP(host) ? [host] : [...new Set((await lookup(host, { all: true })).map((a) => a.address))];
  const server = new Server(grpcServerOptions(transport));
  ads.addTo(server);
  const injector = server.createConnectionInjector(credentials);
  const listeners: net.Server[] = [];
  let port = wanted;
  try {
    for (const h of hosts) {
      // An accepted connection is grpc-js's from here on; one lost while accepting (say, too many open files) is the proxy's to retry.
      const listener = net.createServer((socket) => injector.injectConnection(socket)).on('error', () => {});
      port = await listenOn(listener, h, port);
      listeners.push(listener);
    }
  } catch (err) {
    await Promise.all(listeners.map(closeListener));
    injector.destroy();
    throw err;
  }
  return {
    port,
    stop: async () => {
      ads.closeStreams();
      await Promise.all([...listeners.map(closeListener), new Promise<void>((resolve) => server.tryShutdown(() => resolve()))]);
    },
  };
}
