import type { Server, ServerDuplexStream } from '@grpc/grpc-js';
import { ADS_SERVICE } from './ads-service.ts';
import { RequestTurns } from './request-turns.ts';
import { SharedResponses } from './shared-responses.ts';
import { PushQueue } from './push-queue.ts';
import { AdsStream } from './ads-stream.ts';
import type { ProxyStatus } from './proxy-status.ts';
import { DEFAULT_LIMITS, type AdsServerOptions, type StreamProtocol, type XdsServerHooks } from './server-options.ts';

function safeHooks(hooks: XdsServerHooks): Required<XdsServerHooks> {
  const wrap =
    <E>(fn: ((event: E) => void) | undefined) =>
    (event: E): void => {
      try {
        fn?.(event);
      } catch {
        // An observer's failure is the observer's problem; the stream carries on.
      }
    };
  return {
    onConnect: wrap(hooks.onConnect),
    onDisconnect: wrap(hooks.onDisconnect),
    onAck: wrap(hooks.onAck),
    onNack: wrap(hooks.onNack),
    onSend: wrap(hooks.onSend),
    onIgnoredRequest: wrap(hooks.onIgnoredRequest),
  };
}

/**
 * envoy.service.discovery.v3.AggregatedDiscoveryService, state of the world and incremental,
 * serving whatever the ResourceCache holds for each proxy's scope.
 */
export class AdsServer {
  private readonly streams = new Map<string, AdsStream>();
  private sequence = 0;
  private readonly deps;

  constructor(options: AdsServerOptions) {
    const turns = new RequestTurns();
    this.deps = {
      cache: options.cache,
      resolveNode: options.resolveNode,
      hooks: safeHooks(options.hooks ?? {}),
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      controlPlaneId: options.controlPlaneId ?? '',
      now: options.now ?? (() => new Date()),
      onClosed: (stream: AdsStream) => this.streams.delete(stream.streamId),
      turns,
      responses: new SharedResponses(),
      // Pushes count against the request slices' budget and continue in them (ahead of requests): one budget per turn for both.
      pushes: new PushQueue({ later: (resume) => void turns.run(async () => resume(), true), turnHasTime: () => turns.hasTime() }),
    };
  }

  /** Registers the ADS service on a grpc-js server the owner runs (alongside other services if it wants). */
  addTo(server: Server): void {
    server.addService(ADS_SERVICE, {
      StreamAggregatedResources: (call: ServerDuplexStream<Buffer, Buffer>) => this.open(call, 'sotw'),
      DeltaAggregatedResources: (call: ServerDuplexStream<Buffer, Buffer>) => this.open(call, 'delta'),
    });
  }

  /** Every connected proxy: per type, the version sent and acked, the last nonce and NACK. */
  proxyStatus(): ProxyStatus[] {
    return [...this.streams.values()].flatMap((s) => s.status() ?? []);
  }

  /**
   * Runs `work` as a turn of the request slices every stream's requests share: now, if the current
   * slice has time left, else in a later slice (ahead of waiting requests when `first`). For heavy
   * work a request handler continues with after an await: many handlers resuming together (every
   * proxy waiting for one mesh to load) would otherwise run it all in one microtask drain, holding
   * the event loop.
   */
  inTurn<T>(work: () => T, first = false): Promise<T> {
    let result: T;
    return this.deps.turns
      .run(async () => {
        result = work();
      }, first)
      .then(() => result);
  }

  /** Whether the stream's proxy holds exactly what the cache serves it (what its status would say, without building it); false for an unknown stream. */
  streamInSync(streamId: string): boolean {
    return this.streams.get(streamId)?.inSync() ?? false;
  }

  /** Whether a response sent on the stream still awaits its ACK or NACK: far cheaper than its status. */
  streamAwaitingAnswer(streamId: string): boolean {
    return this.streams.get(streamId)?.awaitingAnswer() ?? false;
  }

  /** Ends every stream (UNAVAILABLE); proxies keep their config and reconnect elsewhere or later. */
  closeStreams(): void {
    for (const stream of [...this.streams.values()]) stream.shutdown();
  }

  private open(call: ServerDuplexStream<Buffer, Buffer>, protocol: StreamProtocol): void {
    const id = `s${++this.sequence}`;
    this.streams.set(id, new AdsStream(id, protocol, call, this.deps));
  }
}
