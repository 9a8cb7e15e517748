import type { CachedResource } from '../cache/index.ts';
import { REMOVAL_ORDER, type XdsTypeUrl } from '../protos/index.ts';

/** What a session tells the gate about one stream. */
export interface HeldState {
  /** Whether the stream asked for this type at all. */
  isTracked(typeUrl: XdsTypeUrl): boolean;
  /** A response of this type has not been answered (ACK or NACK) yet. */
  awaitingAnswer(typeUrl: XdsTypeUrl): boolean;
  /** The resources of this type the proxy holds or was sent. */
  held(typeUrl: XdsTypeUrl): Iterable<CachedResource>;
  holds(typeUrl: XdsTypeUrl, name: string): boolean;
}

/**
 * Make-before-break for removals: a type's removals wait until every type that may use it
 * (those before it in REMOVAL_ORDER) has answered its last response and the proxy holds
 * everything those users refer to (e.g. the new route a new listener names).
 */
export function removalsMayProceed(typeUrl: XdsTypeUrl, view: HeldState): boolean {
  const users = REMOVAL_ORDER.slice(0, REMOVAL_ORDER.indexOf(typeUrl));
  for (const user of users) {
    if (!view.isTracked(user)) continue;
    if (view.awaitingAnswer(user)) return false;
    for (const resource of view.held(user)) {
      for (const ref of resource.references) {
        if (view.isTracked(ref.typeUrl) && !view.holds(ref.typeUrl, ref.name)) return false;
      }
    }
  }
  return true;
}

/**
 * Bounds how long removals wait for a proxy's users to settle: after `maxHoldMs` they go out
 * anyway (a proxy that never answers must not pin removed resources forever).
 */
export class RemovalHold {
  private since: number | undefined;

  constructor(
    private readonly now: () => Date,
    private readonly maxHoldMs: number,
    private readonly retryIn: (delayMs: number) => void,
  ) {}

  mayProceed(typeUrl: XdsTypeUrl, view: HeldState): boolean {
    if (removalsMayProceed(typeUrl, view)) return true;
    const now = this.now().getTime();
    this.since ??= now;
    const waited = now - this.since;
    if (waited >= this.maxHoldMs) return true;
    this.retryIn(this.maxHoldMs - waited);
    return false;
  }

  /** Nothing is held back any more. */
  settle(): void {
    this.since = undefined;
  }
}
