import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { CachedResource, ResourceCache } from '../cache/index.ts';
import type { XdsTypeUrl } from '../protos/index.ts';
import type { XdsNode } from './xds-node.ts';

/** Who a stream belongs to, decided by the server's owner. */
export interface ProxyIdentity {
  proxyId: string;
  /** The cache scope whose resources this proxy gets. */
  scope: string;
}

/** grpc-js does not export its AuthContext type; take it from the call. */
export type AuthContext = ReturnType<ServerDuplexStream<unknown, unknown>['getAuthContext']>;

export interface PeerInfo {
  /** `ip:port` as grpc-js reports it. */
  address: string;
  /** TLS details (the client certificate, when mTLS is on). */
  authContext: AuthContext;
}

/** Maps a connecting proxy to an identity and scope, or refuses it with an Error (the stream ends PERMISSION_DENIED). */
export type ResolveNode = (node: XdsNode, peer: PeerInfo) => ProxyIdentity | Error | Promise<ProxyIdentity | Error>;

export type StreamProtocol = 'sotw' | 'delta';

export interface StreamInfo {
  streamId: string;
  proxyId: string;
  scope: string;
  protocol: StreamProtocol;
  peer: string;
}

export interface AckEvent extends StreamInfo {
  typeUrl: XdsTypeUrl;
  version: string;
  nonce: string;
}

export interface NackEvent extends StreamInfo {
  typeUrl: XdsTypeUrl;
  /** The version the proxy refused (it keeps its last good one). */
  rejectedVersion: string;
  nonce: string;
  /** Envoy's own explanation, from `error_detail.message`. */
  message: string;
  code: number;
}

/** One response written to a stream (tests and metrics see exactly what went out). */
export interface SendEvent extends StreamInfo {
  typeUrl: XdsTypeUrl;
  nonce: string;
  version: string;
  /** What went out, as the cache holds it (the same objects for every stream; never to be changed). */
  resources: readonly CachedResource[];
  removed: string[];
}

export interface DisconnectEvent extends StreamInfo {
  reason: 'end' | 'cancelled' | 'error' | 'shutdown' | 'limit';
  error?: string;
}

export interface XdsServerHooks {
  onConnect?(event: StreamInfo): void;
  onDisconnect?(event: DisconnectEvent): void;
  onAck?(event: AckEvent): void;
  onNack?(event: NackEvent): void;
  onSend?(event: SendEvent): void;
  /** A request the server could not use (unknown type URL); the stream goes on. */
  onIgnoredRequest?(event: StreamInfo & { typeUrl: string; reason: string }): void;
}

/** Per-stream bounds, so one misbehaving proxy cannot grow the server without limit. */
export interface StreamLimits {
  maxSubscriptionsPerType: number;
  maxPendingNonces: number;
  maxQueuedRequests: number;
  /** Bytes of requests received and not yet handled: a proxy writing faster than it is served cannot grow the heap past it. */
  maxQueuedBytes: number;
  /** How long a push may wait for the proxy to take up what it builds on (make-before-break). */
  maxOrderingHoldMs: number;
}

export const DEFAULT_LIMITS: StreamLimits = { maxSubscriptionsPerType: 10_000, maxPendingNonces: 32, maxQueuedRequests: 256, maxQueuedBytes: 16 * 1024 * 1024, maxOrderingHoldMs: 5_000 };

export interface AdsServerOptions {
  cache: ResourceCache;
  resolveNode: ResolveNode;
  hooks?: XdsServerHooks;
  /** Sent as `control_plane.identifier` so proxies can tell which replica served them. */
  controlPlaneId?: string;
  limits?: Partial<StreamLimits>;
  /** Injected clock for NACK timestamps. */
  now?: () => Date;
}
