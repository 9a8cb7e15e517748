import type { RequestTurns } from './request-turns.ts';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ResourceCache } from '../cache/index.ts';
import { DeltaSession } from './delta-session.ts';
import { supportsVhds } from './delta-vhds.ts';
import { decodeDeltaRequest, decodeSotwRequest } from './codec.ts';
import type { DeltaRequest, SotwRequest } from './messages.ts';
import type { ProxyStatus } from './proxy-status.ts';
import type { DisconnectEvent, ResolveNode, StreamInfo, StreamLimits, StreamProtocol, XdsServerHooks } from './server-options.ts';
import type { SessionContext } from './session-context.ts';
import type { SharedResponses } from './shared-responses.ts';
import type { PushQueue } from './push-queue.ts';
import { SotwSession } from './sotw-session.ts';
import { toXdsNode } from './xds-node.ts';

export interface AdsStreamDeps {
  cache: ResourceCache;
  resolveNode: ResolveNode;
  hooks: Required<XdsServerHooks>;
  limits: StreamLimits;
  controlPlaneId: string;
  now: () => Date;
  onClosed: (stream: AdsStream) => void;
  /** Where requests are handled: in bounded turns of the event loop, shared by every stream of the server. */
  turns: RequestTurns;
  /** Responses encoded once for every stream that gets the same one. */
  responses: SharedResponses;
  /** Where pushes after cache changes run: in bounded turns, shared by every stream of the server. */
  pushes: PushQueue;
}

type Session = SotwSession | DeltaSession;

/**
 * One ADS stream: resolves the proxy from its first request, then feeds requests to the
 * protocol session and pushes cache changes (coalesced per tick) until the stream ends.
 */
export class AdsStream {
  readonly connectedSince: Date;
  private info: StreamInfo | undefined;
  private session: Session | undefined;
  private unwatch: (() => void) | undefined;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private queuedBytes = 0;
  private nonces = 0;
  private pushScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt = Infinity;
  private closed = false;

  constructor(
    readonly streamId: string,
    readonly protocol: StreamProtocol,
    private readonly call: ServerDuplexStream<Buffer, Buffer>,
    private readonly deps: AdsStreamDeps,
  ) {
    this.connectedSince = deps.now();
    call.on('data', (bytes: Buffer) => this.enqueue(bytes));
    call.on('end', () => {
      this.close('end');
      call.end();
    });
    call.on('cancelled', () => this.close('cancelled'));
    call.on('error', (err: Error) => this.close('error', err.message));
    call.on('close', () => this.close('cancelled'));
  }

  status(): ProxyStatus | undefined {
    if (!this.info || !this.session) return undefined;
    const { streamId, proxyId, scope, protocol, peer } = this.info;
    return { streamId, proxyId, scope, protocol, peer, connectedSince: this.connectedSince.toISOString(), types: this.session.status() };
  }

  /** Whether the proxy holds exactly what the cache serves its scope (undefined before its first request is resolved). */
  inSync(): boolean | undefined {
    return this.session?.inSync();
  }

  /** A response sent on this stream still awaits the proxy's answer (false before the first response). */
  awaitingAnswer(): boolean {
    return this.session?.awaitingAnyAnswer() ?? false;
  }

  /** Ends the stream from the server side (shutdown). */
  shutdown(): void {
    this.end(grpcStatus.UNAVAILABLE, 'control plane shutting down', 'shutdown');
  }

  private enqueue(bytes: Buffer): void {
    if (this.closed) return;
    if (++this.queued > this.deps.limits.maxQueuedRequests) {
      this.end(grpcStatus.RESOURCE_EXHAUSTED, 'too many requests queued', 'limit');
      return;
    }
    this.queuedBytes += bytes.byteLength;
    if (this.queuedBytes > this.deps.limits.maxQueuedBytes) {
      this.end(grpcStatus.RESOURCE_EXHAUSTED, `requests queued past ${this.deps.limits.maxQueuedBytes} bytes`, 'limit');
      return;
    }
    this.queue = this.queue
      .then(() => this.deps.turns.run(() => this.process(bytes)))
      .catch((err: unknown) => this.end(grpcStatus.INTERNAL, `xDS server error: ${String(err)}`, 'error'))
      .finally(() => {
        this.queued--;
        this.queuedBytes -= bytes.byteLength;
      });
  }

  /** Decodes a request in its turn (not in the socket read that delivered it) and hands it to the session. */
  private async process(bytes: Buffer): Promise<void> {
    if (this.closed) return;
    let request: SotwRequest | DeltaRequest;
    try {
      request = this.protocol === 'sotw' ? decodeSotwRequest(bytes) : decodeDeltaRequest(bytes);
    } catch (err) {
      const what = this.protocol === 'sotw' ? 'DiscoveryRequest' : 'DeltaDiscoveryRequest';
      this.end(grpcStatus.INVALID_ARGUMENT, `malformed ${what}: ${err instanceof Error ? err.message : String(err)}`, 'error');
      return;
    }
    if (!this.session && !(await this.start(request))) return;
    if (this.session instanceof SotwSession) this.session.handle(request as SotwRequest);
    else this.session?.handle(request as DeltaRequest);
  }

  private async start(first: SotwRequest | DeltaRequest): Promise<boolean> {
    const peer = { address: this.call.getPeer(), authContext: this.call.getAuthContext() };
    const identity = await this.deps.resolveNode(toXdsNode(first.node), peer);
    if (this.closed) return false;
    if (identity instanceof Error) {
      this.end(grpcStatus.PERMISSION_DENIED, identity.message, undefined);
      return false;
    }
    this.info = { streamId: this.streamId, proxyId: identity.proxyId, scope: identity.scope, protocol: this.protocol, peer: peer.address };
    const ctx = this.context(this.info);
    this.session = this.protocol === 'sotw' ? new SotwSession(ctx) : new DeltaSession(ctx, { vhds: supportsVhds(first.node) });
    this.unwatch = this.deps.cache.watch(identity.scope, () => this.schedulePush());
    this.deps.hooks.onConnect({ ...this.info });
    return true;
  }

  private context(info: StreamInfo): SessionContext {
    return {
      info,
      cache: this.deps.cache,
      limits: this.deps.limits,
      controlPlaneId: this.deps.controlPlaneId,
      hooks: this.deps.hooks,
      now: this.deps.now,
      nextNonce: () => `${this.streamId}.${++this.nonces}`,
      shared: (key, lastNonce, encode) => this.deps.responses.response(key, lastNonce, encode),
      write: (bytes) => {
        if (!this.closed) this.call.write(bytes);
      },
      pushLater: (delayMs) => this.pushLater(delayMs),
      exceedLimit: (message) => this.end(grpcStatus.RESOURCE_EXHAUSTED, message, 'limit'),
    };
  }

  // Changes published in the same tick (e.g. clusters then listeners) go out as one ordered push;
  // a push that waits for a later turn (see PushQueue) takes what was published meanwhile too.
  private schedulePush(): void {
    if (this.pushScheduled || this.closed) return;
    this.pushScheduled = true;
    this.deps.pushes.schedule(() => {
      this.pushScheduled = false;
      if (this.closed || !this.session) return;
      try {
        this.session.push();
      } catch (err) {
        this.end(grpcStatus.INTERNAL, `xDS server error: ${String(err)}`, 'error');
      }
    });
  }

  private pushLater(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.closed || at >= this.retryAt) return;
    clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAt = Infinity;
      this.schedulePush();
    }, delayMs);
  }

  private end(code: grpcStatus, details: string, reason: DisconnectEvent['reason'] | undefined): void {
    if (this.closed) return;
    // Close first so our own 'error' listener sees a closed stream and keeps this reason.
    this.close(reason ?? 'error', details);
    this.call.emit('error', { code, details });
  }

  private close(reason: DisconnectEvent['reason'], error?: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.unwatch?.();
    this.unwatch = undefined;
    this.deps.onClosed(this);
    if (this.info) this.deps.hooks.onDisconnect({ ...this.info, reason, ...(error ? { error } : {}) });
  }
}
