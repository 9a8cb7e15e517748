import { LayeredMap, type CachedResource } from '../cache/index.ts';
import { isXdsTypeUrl, PUSH_ORDER, REMOVAL_ORDER, resourceTypeInfo, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL } from '../protos/index.ts';
import type { ResourceTypeInfo, XdsTypeUrl } from '../protos/index.ts';
import { classifyDeltaRequest } from './classify-request.ts';
import { encodeDeltaResponse } from './codec.ts';
import type { DeltaRequest } from './messages.ts';
import type { TypeStatus } from './proxy-status.ts';
import { OrderingHold, removalsMayProceed, updatesMayProceed, virtualHostsToFollow, warmingNeeds, type HeldState } from './make-before-break.ts';
import { routeConfigurationOf, splitRouteConfiguration, vhdsView } from './delta-vhds.ts';
import type { SessionContext } from './session-context.ts';
import { someAwaitingAnswer, TypeTracker } from './type-tracker.ts';
import { recordAnswer } from './record-answer.ts';
import { KnownVersions, setDigest } from './known-versions.ts';

interface DeltaTypeState {
  readonly info: ResourceTypeInfo;
  readonly tracker: TypeTracker;
  wildcard: boolean;
  readonly subscribed: Set<string>;
  /** Name → version the proxy holds or was last sent (a refused version is not sent again). */
  readonly known: KnownVersions;
  /** Names to send again even though unchanged: Envoy is warming something that needs them. */
  readonly rewarm: Set<string>;
  /**
   * The served map this type was last pushed in full against (every update and removal went out):
   * while the cache serves the same map, nothing is to be sent, so a push costs nothing for it.
   * Cleared by whatever changes what the stream wants or must be sent again.
   */
  syncedTo: ReadonlyMap<string, CachedResource> | undefined;
  /** The served map whose every resource went out at its version (removals may still be due): the proxy holds all of it. */
  updatedTo: ReadonlyMap<string, CachedResource> | undefined;
  /** Counts the requests that changed `subscribed` or `wildcard`. */
  subscriptions: number;
}

/**
 * Virtual hosts are a route configuration's routes sent apart: status shows them as part of RDS
 * (in sync only when both are acknowledged, NACKED when the current version of either was refused).
 */
function withVirtualHosts(routes: TypeStatus, hosts: TypeStatus): TypeStatus {
  const join = (r: string, h: string) => (r === '' && h === '' ? '' : `${r}+${h}`);
  const versionSent = join(routes.versionSent, hosts.versionSent);
  // A refusal of what is in force now wins over an older one.
  const refused = [
    routes.lastNack && { nack: routes.lastNack, current: routes.lastNack.version === routes.versionSent },
    hosts.lastNack && { nack: hosts.lastNack, current: hosts.lastNack.version === hosts.versionSent },
  ]
    .filter((n) => n !== undefined)
    .sort((a, b) => Number(a.current) - Number(b.current) || a.nack.at.localeCompare(b.nack.at))
    .at(-1);
  const nonce = (n: string) => Number(n.slice(n.lastIndexOf('.') + 1)) || 0;
  return {
    ...routes,
    versionSent,
    versionAcked: join(routes.versionAcked, hosts.versionAcked),
    lastNonce: nonce(hosts.lastNonce) > nonce(routes.lastNonce) ? hosts.lastNonce : routes.lastNonce,
    ...(refused ? { lastNack: { ...refused.nack, version: refused.current ? versionSent : refused.nack.version } } : {}),
    resources: { ...routes.resources, ...hosts.resources },
  };
}

interface MapDiff {
  /** Names added, or served at another version. */
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

const diffs = new WeakMap<ReadonlyMap<string, CachedResource>, WeakMap<ReadonlyMap<string, CachedResource>, MapDiff>>();

/** What differs between two served maps; computed once per pair and shared by every stream of the scope. */
function diffOf(before: ReadonlyMap<string, CachedResource>, after: ReadonlyMap<string, CachedResource>): MapDiff {
  let byAfter = diffs.get(before);
  if (!byAfter) {
    byAfter = new WeakMap();
    diffs.set(before, byAfter);
  }
  let diff = byAfter.get(after);
  if (!diff && before instanceof LayeredMap && after instanceof LayeredMap && before.top === after.top) {
    // Two views of one proxy with the same own resources: only the shared base changed, and its diff is every such proxy's.
    const inner = diffOf(before.base, after.base);
    const own = after.top;
    diff = own.size === 0 ? inner : { changed: inner.changed.filter((name) => !own.has(name)), removed: inner.removed.filter((name) => !own.has(name)) };
    byAfter.set(after, diff);
  }
  if (!diff) {
    const changed: string[] = [];
    for (const [name, r] of after) if (before.get(name)?.version !== r.version) changed.push(name);
    const removed: string[] = [];
    for (const name of before.keys()) if (!after.has(name)) removed.push(name);
    diff = { changed, removed };
    byAfter.set(after, diff);
  }
  return diff;
}

export interface DeltaSessionOptions {
  /** Serve route configurations in VHDS form (see delta-vhds.ts); only for proxies that support it. */
  readonly vhds?: boolean;
}

/**
 * Incremental ADS for one stream: per-resource versions, only changed resources sent,
 * `removed_resources` for what went away, `initial_resource_versions` honoured on reconnect.
 */
export class DeltaSession implements HeldState {
  private readonly types = new Map<XdsTypeUrl, DeltaTypeState>();
  private readonly hold: OrderingHold;
  private readonly vhds: boolean;

  constructor(
    private readonly ctx: SessionContext,
    options: DeltaSessionOptions = {},
  ) {
    this.hold = new OrderingHold(ctx.now, ctx.limits.maxOrderingHoldMs, ctx.pushLater);
    this.vhds = options.vhds ?? false;
  }

  handle(request: DeltaRequest): void {
    const typeUrl = request.type_url;
    if (!isXdsTypeUrl(typeUrl)) {
      this.ctx.hooks.onIgnoredRequest({ ...this.ctx.info, typeUrl, reason: 'type not served' });
      return;
    }
    const existing = this.types.get(typeUrl);
    const state = existing ?? this.newState(typeUrl, request);
    const kind = classifyDeltaRequest(!existing, (n) => state.tracker.isPending(n), request);
    recordAnswer(this.ctx, state.tracker, typeUrl, kind, request);
    if (!this.updateSubscription(state, request)) return;
    this.push();
  }

  /** Sends what changed, make-before-break: every update in PUSH_ORDER, then removals. */
  push(): void {
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (state && this.published(typeUrl) && !this.pushUpdates(state)) return;
    }
    for (const typeUrl of REMOVAL_ORDER) {
      const state = this.types.get(typeUrl);
      if (!state || !this.published(typeUrl)) continue;
      const all = this.served(typeUrl);
      if (state.syncedTo === all) continue;
      const removed = this.gone(state, all, state.syncedTo && diffOf(state.syncedTo, all));
      if (removed.length === 0) continue;
      // Later types wait too: their users may be among what is still held back.
      if (!this.hold.mayProceed(removalsMayProceed(typeUrl, this))) return;
      this.send(state, [], removed);
    }
    // Everything went out: until the cache serves another map (or the stream wants more), nothing is due.
    for (const [typeUrl, state] of this.types) if (this.published(typeUrl) && state.rewarm.size === 0) state.syncedTo = this.served(typeUrl);
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

  *held(typeUrl: XdsTypeUrl): Iterable<CachedResource> {
    const state = this.types.get(typeUrl);
    if (!state) return;
    const all = this.served(typeUrl);
    for (const name of state.known.keys()) {
      const r = all.get(name);
      if (r) yield r;
    }
  }

  exists(typeUrl: XdsTypeUrl, name: string): boolean {
    return this.served(typeUrl).has(name);
  }

  holds(typeUrl: XdsTypeUrl, name: string): boolean {
    return this.types.get(typeUrl)?.known.has(name) ?? false;
  }

  holdsAllServed(typeUrl: XdsTypeUrl): boolean {
    const state = this.types.get(typeUrl);
    return state?.updatedTo !== undefined && state.updatedTo === this.served(typeUrl);
  }

  status(): TypeStatus[] {
    const routes = this.types.get(ROUTE_TYPE_URL);
    const hosts = this.types.get(VIRTUAL_HOST_TYPE_URL);
    // Virtual hosts are shown within route configurations, and only when both are tracked.
    return [...this.types.values()].flatMap((s) => (s === hosts ? [] : s === routes && hosts ? [this.joinedRoutes(routes, hosts)] : [s.tracker.status(s.wildcard, s.subscribed, s.known)]));
  }

  private joinedRoutes(routeState: DeltaTypeState, hostState: DeltaTypeState): TypeStatus {
    const routes = routeState.tracker.status(routeState.wildcard, routeState.subscribed, routeState.known);
    const hosts = hostState.tracker.status(hostState.wildcard, hostState.subscribed, hostState.known);
    return withVirtualHosts(this.vhds ? this.inCacheVersions(routes, hosts) : routes, hosts);
  }

  /**
   * Whether the proxy holds exactly what the cache serves its scope, every type: `streamInSync` of
   * `status()`, without building it. Route configurations and virtual hosts are checked together,
   * as status joins them (`routesInSync`); every other type by its tracker.
   */
  inSync(): boolean {
    const routes = this.types.get(ROUTE_TYPE_URL);
    const hosts = this.types.get(VIRTUAL_HOST_TYPE_URL);
    for (const s of this.types.values()) {
      // Status leaves virtual hosts out (joined into routes when both are tracked).
      if (s === hosts) continue;
      const served = this.ctx.cache.resources(this.ctx.info.scope, s.info.typeUrl);
      if (s === routes && hosts) {
        if (!this.routesInSync(routes, hosts, served)) return false;
        continue;
      }
      // A wildcard type sent something holds exactly what is served only when the digests of both
      // sets agree, and then no walk over every resource is needed.
      const sameSet = s.wildcard && s.known.version() === setDigest(served);
      if (s.wildcard && !sameSet && s.tracker.versionSent !== '') return false;
      if (!s.tracker.inSync(s.wildcard, s.subscribed, s.known, served, sameSet, `${s.wildcard ? '*' : ''}${s.subscriptions}.${s.known.generation}`)) return false;
    }
    return true;
  }

  /**
   * Route configurations with their virtual hosts, as `typeInSync` decides on the joined status
   * (`joinedRoutes`): both types answered in full and neither refusing what is in force, and every
   * subscribed configuration held at the cache's version (in VHDS form: its split form, and every
   * one of its hosts at its version), acknowledged.
   */
  private routesInSync(routes: DeltaTypeState, hosts: DeltaTypeState, served: ReadonlyMap<string, CachedResource>): boolean {
    const r = routes.tracker;
    const h = hosts.tracker;
    if (r.versionSent === '' && h.versionSent === '') return served.size === 0;
    if (r.versionAcked !== r.versionSent || h.versionAcked !== h.versionSent) return false;
    if (r.lastNack?.version === r.versionSent || h.lastNack?.version === h.versionSent) return false;
    for (const name of routes.subscribed) {
      const rc = served.get(name);
      if (!rc) continue;
      const split = this.vhds ? splitRouteConfiguration(rc) : undefined;
      if (!r.acknowledged(name) || routes.known.get(name) !== (split?.routeConfiguration.version ?? rc.version)) return false;
      for (const vh of split?.virtualHosts ?? []) if (!h.acknowledged(vh.name) || hosts.known.get(vh.name) !== vh.version) return false;
    }
    return true;
  }

  /**
   * A VHDS stream holds a route configuration as its split form (versioned apart) plus its hosts;
   * status names the cache's version of the configuration (what convergence compares with) once
   * the proxy holds the split form of it and every one of its hosts at their current versions.
   */
  private inCacheVersions(routes: TypeStatus, hosts: TypeStatus): TypeStatus {
    const cached = this.ctx.cache.resources(this.ctx.info.scope, ROUTE_TYPE_URL);
    const resources = { ...routes.resources };
    for (const [name, held] of Object.entries(routes.resources)) {
      const rc = cached.get(name);
      const split = rc && splitRouteConfiguration(rc);
      if (!split) continue;
      const current = split.routeConfiguration.version;
      const hostsApplied = split.virtualHosts.every((vh) => hosts.resources[vh.name]?.acked === vh.version && hosts.resources[vh.name]?.sent === vh.version);
      resources[name] = {
        sent: held.sent === current ? rc.version : held.sent,
        ...(held.acked !== undefined ? { acked: held.acked === current && hostsApplied ? rc.version : held.acked } : {}),
      };
    }
    return { ...routes, resources };
  }

  /** What the scope serves for a type, as this stream sees it (route configurations in VHDS form when it speaks VHDS). */
  private served(typeUrl: XdsTypeUrl): ReadonlyMap<string, CachedResource> {
    if (this.vhds && typeUrl === ROUTE_TYPE_URL) return vhdsView(this.ctx.cache.resources(this.ctx.info.scope, ROUTE_TYPE_URL)).routes;
    if (typeUrl === VIRTUAL_HOST_TYPE_URL) return this.vhds ? vhdsView(this.ctx.cache.resources(this.ctx.info.scope, ROUTE_TYPE_URL)).virtualHosts : new Map();
    return this.ctx.cache.resources(this.ctx.info.scope, typeUrl);
  }

  private published(typeUrl: XdsTypeUrl): boolean {
    return this.ctx.cache.isPublished(this.ctx.info.scope, typeUrl === VIRTUAL_HOST_TYPE_URL ? ROUTE_TYPE_URL : typeUrl);
  }

  private newState(typeUrl: XdsTypeUrl, request: DeltaRequest): DeltaTypeState {
    const info = resourceTypeInfo(typeUrl);
    const state: DeltaTypeState = {
      info,
      tracker: new TypeTracker(typeUrl, this.ctx.limits.maxPendingNonces, false, (name) => state.known.get(name)),
      // Legacy wildcard: a first request for LDS/CDS that names nothing.
      wildcard: info.wildcard && request.resource_names_subscribe.length === 0,
      subscribed: new Set(),
      known: new KnownVersions(Object.entries(request.initial_resource_versions ?? {}), this.served(typeUrl)),
      rewarm: new Set(),
      syncedTo: undefined,
      updatedTo: undefined,
      subscriptions: 0,
    };
    // What a reconnecting proxy says it holds counts as sent and applied.
    if (state.known.size > 0) state.tracker.recordAdopted(state.known.version());
    this.types.set(typeUrl, state);
    return state;
  }

  /** Returns false when the stream was ended for crossing a bound. */
  private updateSubscription(state: DeltaTypeState, request: DeltaRequest): boolean {
    if (request.resource_names_subscribe.length > 0 || request.resource_names_unsubscribe.length > 0) {
      state.subscriptions++;
      state.syncedTo = undefined;
      state.updatedTo = undefined;
      // The hosts due follow the route configurations held.
      const hosts = state.info.typeUrl === ROUTE_TYPE_URL && this.types.get(VIRTUAL_HOST_TYPE_URL);
      if (hosts) hosts.syncedTo = undefined;
    }
    // The served resource's own name where there is one: every stream of the scope then holds one string per name.
    const served = request.resource_names_subscribe.length > 0 ? this.served(state.info.typeUrl) : undefined;
    for (const name of request.resource_names_subscribe) {
      if (name === '*') state.wildcard = state.info.wildcard;
      else state.subscribed.add(served?.get(name)?.name ?? name);
    }
    for (const name of request.resource_names_unsubscribe) {
      if (name === '*') state.wildcard = false;
      else state.subscribed.delete(name);
    }
    // The proxy drops what it unsubscribed from; forget that it holds it.
    const dropped = [...state.known.keys()].filter((name) => !this.wants(state, name));
    for (const name of dropped) state.known.delete(name);
    state.tracker.forget(dropped);
    if (state.subscribed.size > this.ctx.limits.maxSubscriptionsPerType) {
      this.ctx.exceedLimit(`${state.subscribed.size} ${state.info.short} subscriptions (limit ${this.ctx.limits.maxSubscriptionsPerType})`);
      return false;
    }
    return true;
  }

  private wants(state: DeltaTypeState, name: string): boolean {
    return state.wildcard || state.subscribed.has(name);
  }

  /** Returns false when the update is held back for ordering (later types then wait too). */
  private pushUpdates(state: DeltaTypeState): boolean {
    const all = this.served(state.info.typeUrl);
    if (state.syncedTo === all) return true;
    // Synced to an earlier map: only what differs from it can be due (plus what is to be re-warmed).
    const diff = state.syncedTo && diffOf(state.syncedTo, all);
    const names = diff ? new Set([...diff.changed, ...state.rewarm]) : state.wildcard ? all.keys() : state.subscribed.values();
    // Envoy files a virtual host under a route configuration it holds, and drops it otherwise.
    const routes = state.info.typeUrl === VIRTUAL_HOST_TYPE_URL ? this.types.get(ROUTE_TYPE_URL)?.known : undefined;
    const changed: CachedResource[] = [];
    for (const name of names) {
      if (diff && !this.wants(state, name)) continue;
      if (state.info.typeUrl === VIRTUAL_HOST_TYPE_URL && !routes?.has(routeConfigurationOf(name))) continue;
      const r = all.get(name);
      if (r && (state.known.get(name) !== r.version || state.rewarm.has(name))) changed.push(r);
    }
    // Virtual hosts go and come in one response, which Envoy applies at once: a domain moving from
    // one host to another (the catch-all when outboundTrafficPolicy changes) is never held twice,
    // which Envoy would refuse, as it would in a whole route configuration.
    const removed = routes ? this.gone(state, all, diff) : [];
    // Only a wildcard type is sent everything its scope serves (virtual hosts go under held configurations only).
    const complete = state.wildcard && !routes;
    if (changed.length === 0 && removed.length === 0) {
      state.rewarm.clear();
      if (complete) state.updatedTo = all;
      return true;
    }
    if (!this.hold.mayProceed(updatesMayProceed(state.info.typeUrl, this, changed))) return false;
    state.rewarm.clear();
    // A first response that carries everything the scope serves is the same for every stream of it.
    const everything = complete && state.known.size === 0 && removed.length === 0 && changed.length === all.size;
    this.send(state, changed, removed, everything ? this.ctx.cache.versionOf(all) : undefined);
    if (complete) state.updatedTo = all;
    return true;
  }

  /** Names the proxy holds that are no longer served. */
  private gone(state: DeltaTypeState, all: ReadonlyMap<string, CachedResource>, diff: MapDiff | undefined): string[] {
    // What was synced to one map holds nothing outside it: only names that left the map can be gone.
    return diff ? diff.removed.filter((name) => state.known.has(name)) : [...state.known.keys()].filter((name) => !all.has(name));
  }


  /** `servedVersion`: the resources are all the scope serves of the type, at this version, and the proxy held none. */
  private send(state: DeltaTypeState, resources: CachedResource[], removed: string[], servedVersion?: string): void {
    const follow = state.info.typeUrl === ROUTE_TYPE_URL ? virtualHostsToFollow(resources, (name) => state.known.has(name)) : [];
    const hosts = state.info.typeUrl === ROUTE_TYPE_URL && this.types.get(VIRTUAL_HOST_TYPE_URL);
    // Which hosts are due depends on the route configurations the proxy holds, which this changes.
    if (hosts) hosts.syncedTo = undefined;
    if (hosts) for (const name of follow) if (hosts.known.has(name)) hosts.rewarm.add(name);
    const before = resources.map((r) => state.known.get(r.name));
    for (const r of resources) state.known.setResource(r);
    for (const name of removed) state.known.delete(name);
    const needs = warmingNeeds(state.info.typeUrl, resources);
    const warmed = needs && this.types.get(needs.typeUrl);
    if (warmed && needs.names.length > 0) warmed.syncedTo = undefined;
    if (warmed) for (const name of needs.names) if (warmed.known.has(name)) warmed.rewarm.add(name);
    const typeUrl = state.info.typeUrl;
    const version = state.known.version();
    const encode = (nonce: string) => encodeDeltaResponse({ systemVersionInfo: version, typeUrl, nonce, resources, removed, controlPlane: this.ctx.controlPlaneId });
    const shared = servedVersion === undefined ? undefined : this.ctx.shared(`delta\n${typeUrl}\n${servedVersion}`, state.tracker.lastNonce, encode);
    const nonce = shared?.nonce ?? this.ctx.nextNonce();
    this.ctx.write(shared?.bytes ?? encode(nonce));
    state.tracker.recordSend(nonce, version, resources, removed, (_name, i) => before[i]);
    this.ctx.hooks.onSend({ ...this.ctx.info, typeUrl, nonce, version, resources, removed });
  }
}
