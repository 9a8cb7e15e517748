import type { ResourceCache } from '../cache/index.ts';
import type { StreamInfo, StreamLimits, XdsServerHooks } from './server-options.ts';

/** What a protocol session needs from its stream: identity, cache, bounds, and a way to write. */
export interface SessionContext {
  readonly info: StreamInfo;
  readonly cache: ResourceCache;
  readonly limits: StreamLimits;
  readonly controlPlaneId: string;
  /** Hooks wrapped so a throwing hook never breaks a stream. */
  readonly hooks: Required<XdsServerHooks>;
  now(): Date;
  nextNonce(): string;
  /** A response other streams get too, named by `key` and encoded once (shared-responses.ts); undefined: encode it here. */
  shared(key: string, lastNonce: string, encode: (nonce: string) => Buffer): { nonce: string; bytes: Buffer } | undefined;
  write(bytes: Buffer): void;
  /** Runs the session's push again after `delayMs` (one timer per stream; the earliest wins). */
  pushLater(delayMs: number): void;
  /** Ends the stream with RESOURCE_EXHAUSTED when a bound is crossed. */
  exceedLimit(message: string): void;
}
