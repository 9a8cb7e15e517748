import type { XdsTypeUrl } from '../protos/index.ts';
import type { NackRecord, TypeStatus } from './proxy-status.ts';

/** A resource as sent: the cache's own resources fit, so a send copies nothing per resource. */
export interface SentResource {
  readonly name: string;
  readonly version: string;
}

interface PendingResponse {
  version: string;
  resources: readonly SentResource[];
}

/**
 * What one stream sent for one type and what the proxy made of it: versions, nonces,
 * per-resource sent/acked, the last NACK. Responses awaiting an answer are kept by nonce, bounded.
 */
export class TypeTracker {
  versionSent = '';
  versionAcked = '';
  lastNonce = '';
  lastNack: NackRecord | undefined;
  /**
   * Per resource: the version sent, alone when the proxy acknowledged exactly that (the steady state
   * of every resource: no object per resource per stream), else what was sent and what was acked.
   */
  private readonly resources = new Map<string, string | { sent: string; acked?: string }>();
  private readonly pending = new Map<string, PendingResponse>();

  constructor(
    readonly typeUrl: XdsTypeUrl,
    private readonly maxPending: number,
    /** State of the world: an answer to the latest response settles every earlier one. */
    private readonly answerSettlesOlder: boolean,
  ) {}

  /** A response of this type is still waiting for its ACK or NACK. */
  awaitingAnswer(): boolean {
    return this.pending.size > 0;
  }

  private settle(nonce: string): PendingResponse | undefined {
    const response = this.pending.get(nonce);
    if (!response) return undefined;
    if (this.answerSettlesOlder) this.pending.clear();
    else this.pending.delete(nonce);
    return response;
  }

  recordSend(nonce: string, version: string, sent: readonly SentResource[], removed: readonly string[]): void {
    this.versionSent = version;
    this.lastNonce = nonce;
    for (const { name, version: v } of sent) {
      const held = this.resources.get(name);
      const acked = typeof held === 'string' ? held : held?.acked;
      this.resources.set(name, acked === v ? v : acked === undefined ? { sent: v } : { sent: v, acked });
    }
    for (const name of removed) this.resources.delete(name);
    this.pending.set(nonce, { version, resources: sent });
    // Oldest first: Map keeps insertion order.
    while (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value as string);
  }

  /** The proxy already holds `version` (a reconnect that needs nothing); counts as sent and acked. */
  recordAdopted(version: string, held: readonly (readonly [string, string])[]): void {
    this.versionSent = version;
    this.versionAcked = version;
    for (const [name, v] of held) this.resources.set(name, v);
  }

  /** Whether a response with this nonce is awaiting an answer. */
  isPending(nonce: string): boolean {
    return this.pending.has(nonce);
  }

  /** Marks the response `nonce` as applied; returns its version. */
  recordAck(nonce: string): string | undefined {
    const response = this.settle(nonce);
    if (!response) return undefined;
    this.versionAcked = response.version;
    for (const { name, version: v } of response.resources) {
      const held = this.resources.get(name);
      if (held === undefined) continue;
      const sent = typeof held === 'string' ? held : held.sent;
      this.resources.set(name, sent === v ? v : { sent, acked: v });
    }
    return response.version;
  }

  /** Marks the response `nonce` as refused; returns its version. */
  recordNack(nonce: string, message: string, code: number, at: Date): string | undefined {
    const response = this.settle(nonce);
    if (!response) return undefined;
    this.lastNack = { message, code, version: response.version, nonce, at: at.toISOString() };
    return response.version;
  }

  forget(names: Iterable<string>): void {
    for (const name of names) this.resources.delete(name);
  }

  status(wildcard: boolean, subscribed: Iterable<string>): TypeStatus {
    return {
      typeUrl: this.typeUrl,
      versionSent: this.versionSent,
      versionAcked: this.versionAcked,
      lastNonce: this.lastNonce,
      ...(this.lastNack ? { lastNack: { ...this.lastNack } } : {}),
      wildcard,
      subscribed: [...subscribed].sort(),
      resources: Object.fromEntries([...this.resources].map(([name, r]) => [name, typeof r === 'string' ? { sent: r, acked: r } : { ...r }])),
    };
  }
}
