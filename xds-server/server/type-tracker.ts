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

/** The version of a resource the proxy holds or was last sent, as the session records it; undefined when neither. */
export type SentVersion = (name: string) => string | undefined;

/**
 * What one stream sent for one type and what the proxy made of it: versions, nonces,
 * per-resource sent/acked, the last NACK. Responses awaiting an answer are kept by nonce, bounded.
 *
 * What was sent per resource is the session's own record (its sent map or known versions), read
 * through `sentVersion`. The tracker keeps only resources whose latest version the proxy has not
 * acknowledged, with the version it did acknowledge, if any. Once everything is acknowledged, the
 * steady state of a stream, it keeps nothing per resource.
 */
export class TypeTracker {
  versionSent = '';
  versionAcked = '';
  lastNonce = '';
  lastNack: NackRecord | undefined;
  /** Resource → the version the proxy acknowledged (undefined: none), for resources whose latest version it has not. */
  private unacked = new Map<string, string | undefined>();
  /** What the last check that found the type in sync was made against (see `inSync`'s `key`). */
  private synced: { served: object; key: string; sent: string; acked: string; nack: NackRecord | undefined } | undefined;
  private readonly pending = new Map<string, PendingResponse>();

  constructor(
    readonly typeUrl: XdsTypeUrl,
    private readonly maxPending: number,
    /** State of the world: an answer to the latest response settles every earlier one. */
    private readonly answerSettlesOlder: boolean,
    private readonly sentVersion: SentVersion,
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

  /**
   * Records a response. `before` gives, for the i-th resource sent, the version the session held
   * for it before this response: acknowledged, unless the tracker says otherwise.
   */
  recordSend(nonce: string, version: string, sent: readonly SentResource[], removed: readonly string[], before: (name: string, index: number) => string | undefined): void {
    this.versionSent = version;
    this.lastNonce = nonce;
    for (let i = 0; i < sent.length; i++) {
      const { name, version: v } = sent[i]!;
      if (this.unacked.has(name)) {
        // Sent back to what the proxy acknowledged: in force again.
        if (this.unacked.get(name) === v) this.unacked.delete(name);
        continue;
      }
      const held = before(name, i);
      if (held !== v) this.unacked.set(name, held);
    }
    for (const name of removed) this.unacked.delete(name);
    this.pending.set(nonce, { version, resources: sent });
    // Oldest first: Map keeps insertion order.
    while (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value as string);
  }

  /** Whether the proxy acknowledged the latest version of `name` it was sent (true when nothing of it awaits an answer). */
  acknowledged(name: string): boolean {
    return !this.unacked.has(name);
  }

  /** The proxy already holds `version` (a reconnect that needs nothing); counts as sent and acked. */
  recordAdopted(version: string): void {
    this.versionSent = version;
    this.versionAcked = version;
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
      if (!this.unacked.has(name)) continue;
      if (this.sentVersion(name) === v) this.unacked.delete(name);
      else this.unacked.set(name, v);
    }
    // A map that held a whole push keeps its table: let it go once empty.
    if (this.unacked.size === 0) this.unacked = new Map();
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
    for (const name of names) this.unacked.delete(name);
  }

  /**
   * Whether the proxy holds exactly `served` for this type: what `streamInSync` decides from
   * `status()`, without building it (it runs on every answer while a revision's convergence is
   * awaited). `held` is the session's record, as for `status()`; `heldIsServed` says the session
   * knows it holds exactly the served set (same names and versions), so only acknowledgements remain.
   * `key`: what else the answer depends on (subscriptions, the held set), as the session tells it
   * apart; with it, a yes is remembered until the served map, the key or this tracker changes.
   */
  inSync(wildcard: boolean, subscribed: Iterable<string>, held: { get(name: string): string | undefined; keys(): Iterable<string> }, served: ReadonlyMap<string, { readonly version: string }>, heldIsServed = false, key?: string): boolean {
    const last = this.synced;
    // Nothing it depends on changed since it was last found in sync (a change elsewhere in the
    // scope): a delta EDS subscription is not walked name by name again on every answer.
    if (key !== undefined && last && last.served === served && last.key === key && last.sent === this.versionSent && last.acked === this.versionAcked && last.nack === this.lastNack && this.unacked.size === 0) return true;
    const result = this.check(wildcard, subscribed, held, served, heldIsServed);
    this.synced = key !== undefined && result && this.unacked.size === 0 ? { served, key, sent: this.versionSent, acked: this.versionAcked, nack: this.lastNack } : undefined;
    return result;
  }

  private check(wildcard: boolean, subscribed: Iterable<string>, held: { get(name: string): string | undefined; keys(): Iterable<string> }, served: ReadonlyMap<string, { readonly version: string }>, heldIsServed: boolean): boolean {
    // Asked for but never served (nothing published for the type): nothing to hold.
    if (this.versionSent === '' && served.size === 0) return true;
    if (this.versionSent === '' || this.versionAcked !== this.versionSent) return false;
    if (this.lastNack && this.lastNack.version === this.versionSent) return false;
    if (wildcard && heldIsServed && this.unacked.size === 0) return true;
    // A resource the proxy was sent but has not acknowledged at its latest version is not held.
    const holds = (name: string, version: string) => !this.unacked.has(name) && held.get(name) === version;
    if (wildcard) {
      for (const [name, resource] of served) if (!holds(name, resource.version)) return false;
      for (const name of held.keys()) if (!served.has(name)) return false;
      return true;
    }
    for (const name of subscribed) {
      const resource = served.get(name);
      if (resource && !holds(name, resource.version)) return false;
    }
    return true;
  }

  /** `held`: every resource the session records as held or sent, with its version. */
  status(wildcard: boolean, subscribed: Iterable<string>, held: Iterable<readonly [string, string]>): TypeStatus {
    const resources: TypeStatus['resources'] = {};
    for (const [name, sent] of held) {
      if (!this.unacked.has(name)) resources[name] = { sent, acked: sent };
      else {
        const acked = this.unacked.get(name);
        resources[name] = acked === undefined ? { sent } : { sent, acked };
      }
    }
    return {
      typeUrl: this.typeUrl,
      versionSent: this.versionSent,
      versionAcked: this.versionAcked,
      lastNonce: this.lastNonce,
      ...(this.lastNack ? { lastNack: { ...this.lastNack } } : {}),
      wildcard,
      subscribed: [...subscribed].sort(),
      resources,
    };
  }
}

/** Whether any of a session's types has a response still awaiting the proxy's ACK or NACK. */
export function someAwaitingAnswer(types: Iterable<{ readonly tracker: TypeTracker }>): boolean {
  for (const state of types) if (state.tracker.awaitingAnswer()) return true;
  return false;
}
