import { LayeredMap, type CachedResource } from '../cache/index.ts';
import { entryHash } from '../cache/entry-hash.ts';
import { isXdsTypeUrl, PUSH_ORDER, REMOVAL_ORDER, resourceTypeInfo } from '../protos/index.ts';
import type { ResourceTypeInfo, XdsTypeUrl } from '../protos/index.ts';
import { classifySotwRequest } from './classify-request.ts';
import { encodeSotwResponse } from './codec.ts';
import type { SotwRequest } from './messages.ts';
import type { TypeStatus } from './proxy-status.ts';
import { OrderingHold, removalsMayProceed, updatesMayProceed, warmingNeeds, type HeldState } from './make-before-break.ts';
import type { SessionContext } from './session-context.ts';
import { someAwaitingAnswer, TypeTracker } from './type-tracker.ts';
import { recordAnswer } from './record-answer.ts';

interface SotwTypeState {
  readonly info: ResourceTypeInfo;
  readonly tracker: TypeTracker;
  wildcard: boolean;
  subscribed: Set<string>;
  /**
   * What the proxy was last sent, per name (it may have refused it: then it is not sent again).
   * Replaced when the subscription changes or a full state goes out; a push of a non-wildcard type
   * updates its entries in place.
   */
  sent: ReadonlyMap<string, CachedResource>;
  /** The proxy has been given (or already held) a state for this type. */
  served: boolean;
  /** Names to send again even though unchanged: Envoy is warming something that needs them. */
  readonly rewarm: Set<string>;
  /**
   * The cache's map this type was last pushed in full against: while the cache serves the same map
   * (and the subscription is the same), nothing is due. Cleared by whatever changes that.
   */
  syncedTo?: ReadonlyMap<string, CachedResource>;
  /** Order-independent digest of `subscribed`: with the served map's version it versions what the proxy is sent of a non-wildcard type. */
  subscribedDigest?: string;
}

const mapIds = new WeakMap<object, number>();
let lastMapId = 0;

/** A number naming this map object for as long as it lives. */
function mapId(map: object): number {
  let id = mapIds.get(map);
  if (id === undefined) mapIds.set(map, (id = ++lastMapId));
  return id;
}

/** Whether `names` (which may repeat one) are exactly the set `held`. */
function sameNames(names: readonly string[], held: ReadonlySet<string>): boolean {
  if (names.length < held.size || !names.every((n) => held.has(n))) return false;
  return names.length === held.size || new Set(names).size === held.size;
}

function digestOf(names: ReadonlySet<string>): string {
  let a = 0;
  let b = 0;
  for (const name of names) {
    const [x, y] = entryHash(name, '');
    a = (a ^ x) >>> 0;
    b = (b ^ y) >>> 0;
  }
  return `${names.size.toString(36)}.${a.toString(36)}.${b.toString(36)}`;
}

const entriesOf = (resources: Iterable<CachedResource>): [string, string][] => [...resources].map((r) => [r.name, r.version]);

const comparisons = new WeakMap<ReadonlyMap<string, CachedResource>, WeakMap<ReadonlyMap<string, CachedResource>, boolean>>();

/**
 * Whether two maps hold the same versions by name. Only full-state types' maps come here (the
 * cache's, and `sent` maps that are replaced, never changed), so the answer is kept per pair, for
 * every stream of the scope; two views of one proxy with the same own
 * resources compare as their shared bases do.
 */
function sameContent(a: ReadonlyMap<string, CachedResource>, b: ReadonlyMap<string, CachedResource>): boolean {
  if (a === b) return true;
  if (a instanceof LayeredMap && b instanceof LayeredMap && a.top === b.top) return sameContent(a.base, b.base);
  let byB = comparisons.get(a);
  let same = byB?.get(b);
  if (same !== undefined) return same;
  same = a.size === b.size;
  if (same) {
    for (const [name, r] of a) {
      if (b.get(name)?.version === r.version) continue;
      same = false;
      break;
    }
  }
  if (!byB) comparisons.set(a, (byB = new WeakMap()));
  byB.set(b, same);
  return same;
}

/**
 * State-of-the-world ADS for one stream. Listeners and clusters go out as the full set;
 * routes and endpoints only for the names that changed (their absence means nothing).
 */
export class SotwSession implements HeldState {
  private readonly types = new Map<XdsTypeUrl, SotwTypeState>();
  private readonly hold: OrderingHold;

  constructor(private readonly ctx: SessionContext) {
    this.hold = new OrderingHold(ctx.now, ctx.limits.maxOrderingHoldMs, ctx.pushLater);
  }

  handle(request: SotwRequest): void {
    const typeUrl = request.type_url;
    if (!isXdsTypeUrl(typeUrl)) {
      this.ctx.hooks.onIgnoredRequest({ ...this.ctx.info, typeUrl, reason: 'type not served' });
      return;
    }
    let state = this.types.get(typeUrl);
    const kind = classifySotwRequest(state?.tracker.lastNonce, request);
    if (kind === 'stale') return;
    if (kind === 'initial' || !state) {
      const created: SotwTypeState = {
        info: resourceTypeInfo(typeUrl),
        tracker: new TypeTracker(typeUrl, this.ctx.limits.maxPendingNonces, true, (name) => created.sent.get(name)?.version),
        wildcard: false,
        subscribed: new Set(),
        sent: new Map(),
        served: false,
        rewarm: new Set(),
      };
      state = created;
      this.types.set(typeUrl, state);
    }
    recordAnswer(this.ctx, state.tracker, typeUrl, kind, request);
    if (!this.updateSubscription(state, request.resource_names, kind === 'initial')) return;
    if (kind === 'initial' && request.version_info !== '' && this.adoptIfCurrent(state, request.version_info)) return;
    this.push();
  }

  /** Sends what changed, make-before-break: every update in PUSH_ORDER, then removals. */
  push(): void {
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (state && this.ctx.cache.isPublished(this.ctx.info.scope, typeUrl) && !this.pushUpdates(state)) return;
    }
    for (const typeUrl of REMOVAL_ORDER) {
      const state = this.types.get(typeUrl);
      if (!state?.info.fullStateOfTheWorld || !this.ctx.cache.isPublished(this.ctx.info.scope, typeUrl)) continue;
      if (state.syncedTo === this.ctx.cache.resources(this.ctx.info.scope, typeUrl)) continue;
      const current = this.current(state);
      if (![...state.sent.keys()].some((name) => !current.has(name))) continue;
      // Later types wait too: their users may be among what is still held back.
      if (!this.hold.mayProceed(removalsMayProceed(typeUrl, this))) return;
      this.pushFullState(state, current);
    }
    // Everything went out: until the cache serves another map (or the stream wants more), nothing is due.
    for (const [typeUrl, state] of this.types) {
      if (state.rewarm.size === 0 && state.served && this.ctx.cache.isPublished(this.ctx.info.scope, typeUrl)) state.syncedTo = this.ctx.cache.resources(this.ctx.info.scope, typeUrl);
    }
    this.hold.settle();
  }

  isTracked(typeUrl: XdsTypeUrl): boolean {
    return this.types.has(typeUrl);
  }

  awaitingAnswer(typeUrl: XdsTypeUrl): boolean {
    return this.types.get(typeUrl)?.tracker.awaitingAnswer() ?? false;
  }

  /** Some response, of any type, still awaits the proxy's ACK or NACK. */
  awaitingAnyAnswer(): boolean {
    return someAwaitingAnswer(this.types.values());
  }

  held(typeUrl: XdsTypeUrl): Iterable<CachedResource> {
    return this.types.get(typeUrl)?.sent.values() ?? [];
  }

  exists(typeUrl: XdsTypeUrl, name: string): boolean {
    return this.ctx.cache.resources(this.ctx.info.scope, typeUrl).has(name);
  }

  holds(typeUrl: XdsTypeUrl, name: string): boolean {
    return this.types.get(typeUrl)?.sent.has(name) ?? false;
  }

  holdsAllServed(typeUrl: XdsTypeUrl): boolean {
    // A full-state type last sent the very map the cache serves holds all of it.
    const state = this.types.get(typeUrl);
    return state?.served === true && state.sent === this.ctx.cache.resources(this.ctx.info.scope, typeUrl);
  }

  status(): TypeStatus[] {
    return [...this.types.values()].map((s) => s.tracker.status(s.wildcard, s.subscribed, entriesOf(s.sent.values())));
  }

  /** Whether the proxy holds exactly what the cache serves its scope, every type: `streamInSync` of `status()`, without building it. */
  inSync(): boolean {
    for (const s of this.types.values()) {
      const held = { get: (name: string) => s.sent.get(name)?.version, keys: () => s.sent.keys() };
      const served = this.ctx.cache.resources(this.ctx.info.scope, s.info.typeUrl);
      // A wildcard type last sent the very map the cache serves holds exactly it (acknowledgements aside).
      // The key names the subscription and the map last sent: with them a type found in sync is not
      // walked again (150 EDS names) on every answer of the stream. A push that changes the map's
      // entries in place does so only for a served map other than the one found in sync, and the
      // tracker compares that map too.
      const key = `${s.wildcard ? '*' : ''}${s.subscribedDigest ?? ''}.${mapId(s.sent)}`;
      if (!s.tracker.inSync(s.wildcard, s.subscribed, held, served, s.sent === served, key)) return false;
    }
    return true;
  }

  /** Returns false when the stream was ended for crossing a bound. */
  private updateSubscription(state: SotwTypeState, names: string[], initial: boolean): boolean {
    if (names.length > this.ctx.limits.maxSubscriptionsPerType) {
      this.ctx.exceedLimit(`${names.length} ${state.info.short} names requested (limit ${this.ctx.limits.maxSubscriptionsPerType})`);
      return false;
    }
    const explicit = names.filter((n) => n !== '*');
    const wasWildcard = state.wildcard;
    if (state.info.wildcard) {
      // Legacy wildcard: an empty first request; an explicit '*' at any time.
      state.wildcard = names.includes('*') || (names.length === 0 && (initial || state.wildcard));
    }
    // Envoy repeats its names with every ACK: only a different set (or wildcard) is a change.
    if (state.wildcard === wasWildcard && state.subscribedDigest !== undefined && sameNames(explicit, state.subscribed)) return true;
    // The served resource's own name where there is one: every stream of the scope then holds one string per name.
    const served = this.ctx.cache.resources(this.ctx.info.scope, state.info.typeUrl);
    const next = new Set(explicit.map((name) => served.get(name)?.name ?? name));
    state.syncedTo = undefined;
    state.subscribedDigest = digestOf(next);
    const dropped = [...state.sent.keys()].filter((name) => !next.has(name) && !state.wildcard);
    if (dropped.length > 0) {
      const kept = new Map(state.sent);
      for (const name of dropped) kept.delete(name);
      state.sent = kept;
    }
    state.tracker.forget(dropped);
    state.subscribed = next;
    return true;
  }

  /** What the proxy should hold for this type now (the cache's own immutable map for a wildcard). */
  private current(state: SotwTypeState): ReadonlyMap<string, CachedResource> {
    const all = this.ctx.cache.resources(this.ctx.info.scope, state.info.typeUrl);
    if (state.wildcard) return all;
    const wanted = new Map<string, CachedResource>();
    for (const name of state.subscribed) {
      const r = all.get(name);
      if (r) wanted.set(name, r);
    }
    return wanted;
  }

  /** A reconnecting proxy that already holds exactly the current version needs nothing. */
  private adoptIfCurrent(state: SotwTypeState, versionHeld: string): boolean {
    if (!this.ctx.cache.isPublished(this.ctx.info.scope, state.info.typeUrl)) return false;
    const current = this.current(state);
    // Full-state types are versioned as the set sent (pushFullState), the others by map and names.
    const version = state.info.fullStateOfTheWorld ? this.ctx.cache.versionOf(current) : this.versionOf(state, this.ctx.cache.resources(this.ctx.info.scope, state.info.typeUrl));
    if (version !== versionHeld) return false;
    state.sent = current;
    state.served = true;
    state.tracker.recordAdopted(version);
    return true;
  }

  /** Returns false when the update is held back for ordering (later types then wait too). */
  private pushUpdates(state: SotwTypeState): boolean {
    const typeUrl = state.info.typeUrl;
    const all = this.ctx.cache.resources(this.ctx.info.scope, typeUrl);
    if (state.syncedTo !== undefined && state.syncedTo === all) return true;
    if (state.info.fullStateOfTheWorld) {
      const current = this.current(state);
      // Keep what is being removed for now: it goes in the removal pass, after its users changed.
      let keep = current;
      for (const [name, r] of state.sent) {
        if (keep.has(name)) continue;
        if (keep === current) keep = new Map(current);
        (keep as Map<string, CachedResource>).set(name, r);
      }
      if (state.served && sameContent(keep, state.sent)) return true;
      const updates = [...keep.values()].filter((r) => state.sent.get(r.name)?.version !== r.version);
      if (!this.hold.mayProceed(updatesMayProceed(typeUrl, this, updates))) return false;
      this.pushFullState(state, keep);
      return true;
    }
    const changed: CachedResource[] = [];
    for (const name of state.subscribed) {
      const r = all.get(name);
      if (r && (state.sent.get(name)?.version !== r.version || state.rewarm.has(name))) changed.push(r);
    }
    if (changed.length === 0) {
      state.rewarm.clear();
      return true;
    }
    if (!this.hold.mayProceed(updatesMayProceed(typeUrl, this, changed))) return false;
    state.rewarm.clear();
    // Routes and endpoints are never wildcard here: `sent` is this stream's own map, not the cache's.
    const sent = state.sent as Map<string, CachedResource>;
    const before = changed.map((r) => sent.get(r.name)?.version);
    for (const r of changed) sent.set(r.name, r);
    this.send(state, changed, this.versionOf(state, all), [], (_name, i) => before[i]);
    return true;
  }

  /**
   * The version of what a type's proxy is sent: the served map's (computed once per map, for every
   * stream); for a non-wildcard type together with the names it asked for, which pick the part it gets.
   */
  private versionOf(state: SotwTypeState, all: ReadonlyMap<string, CachedResource>): string {
    const version = this.ctx.cache.versionOf(all);
    return state.wildcard ? version : `${version}/${state.subscribedDigest ?? ''}`;
  }

  private pushFullState(state: SotwTypeState, desired: ReadonlyMap<string, CachedResource>): void {
    // The first answer goes out even when empty: an empty set is news to a proxy waiting for it.
    if (state.served && sameContent(desired, state.sent)) return;
    const removed = [...state.sent.keys()].filter((name) => !desired.has(name));
    const updated = [...desired.values()].filter((r) => state.sent.get(r.name)?.version !== r.version);
    const before = state.sent;
    state.sent = desired;
    this.send(state, [...desired.values()], this.ctx.cache.versionOf(desired), removed, (name) => before.get(name)?.version);
    this.rewarmAfter(state.info.typeUrl, updated);
  }

  /** Envoy warms what it was sent new or changed until what it names arrives: that goes out again too. */
  private rewarmAfter(typeUrl: XdsTypeUrl, updated: readonly CachedResource[]): void {
    const needs = warmingNeeds(typeUrl, updated);
    const warmed = needs && this.types.get(needs.typeUrl);
    if (!warmed) return;
    warmed.syncedTo = undefined;
    for (const name of needs.names) if (warmed.sent.has(name)) warmed.rewarm.add(name);
  }

  /** `before`: the version the proxy held of a resource sent, before this response. */
  private send(state: SotwTypeState, resources: CachedResource[], version: string, removed: string[], before: (name: string, index: number) => string | undefined): void {
    const typeUrl = state.info.typeUrl;
    state.served = true;
    const encode = (nonce: string) => encodeSotwResponse({ versionInfo: version, typeUrl, nonce, resources, controlPlane: this.ctx.controlPlaneId });
    // A full-state type's version names every resource sent (the others send what changed under the version of all).
    const shared = state.info.fullStateOfTheWorld ? this.ctx.shared(`sotw\n${typeUrl}\n${version}`, state.tracker.lastNonce, encode) : undefined;
    const nonce = shared?.nonce ?? this.ctx.nextNonce();
    this.ctx.write(shared?.bytes ?? encode(nonce));
    state.tracker.recordSend(nonce, version, resources, removed, before);
    this.ctx.hooks.onSend({ ...this.ctx.info, typeUrl, nonce, version, resources, removed });
  }
}
