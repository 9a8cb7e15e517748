import { Server, ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import type { AdsServer } from './ads-server.ts';

export interface ListeningAds {
  port: number;
  server: Server;
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
   * connection storm held one for up to 7.8 s) would drop healthy connections.
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

/** Serves `ads` on `host:port` (port 0 picks one) with the given credentials (insecure by default). */
export async function listenAds(ads: AdsServer, address: string, credentials: ServerCredentials = ServerCredentials.createInsecure(), transport: Partial<AdsTransportOptions> = {}): Promise<ListeningAds> {
  const server = new Server(grpcServerOptions(transport));
  ads.addTo(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    server,
    stop: async () => {
      ads.closeStreams();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
