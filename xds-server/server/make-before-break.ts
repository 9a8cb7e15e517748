import type { CachedResource } from '../cache/index.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, PUSH_ORDER, REMOVAL_ORDER, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL, type XdsTypeUrl } from '../protos/index.ts';

/** What a session tells the ordering rules about one stream. */
export interface HeldState {
  /** Whether the stream asked for this type at all. */
  isTracked(typeUrl: XdsTypeUrl): boolean;
  /** A response of this type has not been answered (ACK or NACK) yet. */
  awaitingAnswer(typeUrl: XdsTypeUrl): boolean;
  /** The resources of this type the proxy holds or was sent. */
  held(typeUrl: XdsTypeUrl): Iterable<CachedResource>;
  holds(typeUrl: XdsTypeUrl, name: string): boolean;
  /** The proxy holds every resource the scope serves of this type, at its served version (nothing to look up name by name). */
  holdsAllServed(typeUrl: XdsTypeUrl): boolean;
  /** The scope publishes this resource (waiting for anything else would be in vain). */
  exists(typeUrl: XdsTypeUrl, name: string): boolean;
}

/** The types among `types` whose references need looking up one by one (tracked, and not held in full). */
function toCheck(view: HeldState, types: readonly XdsTypeUrl[]): readonly XdsTypeUrl[] {
  return types.filter((t) => view.isTracked(t) && !view.holdsAllServed(t));
}

function missing(view: HeldState, resource: CachedResource, among: readonly XdsTypeUrl[]): boolean {
  return resource.references.some((ref) => among.includes(ref.typeUrl) && view.exists(ref.typeUrl, ref.name) && !view.holds(ref.typeUrl, ref.name));
}

/**
 * Envoy answers a CDS response only once the new clusters are warm (their endpoints arrived),
 * so listeners and routes wait for that answer; endpoints must not, or nothing would move.
 */
const WAITS_FOR_ANSWERS: ReadonlyMap<XdsTypeUrl, readonly XdsTypeUrl[]> = new Map([
  [LISTENER_TYPE_URL, [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL]],
  [ROUTE_TYPE_URL, [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL]],
  [VIRTUAL_HOST_TYPE_URL, [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL]],
]);

/**
 * Envoy warms a cluster it is sent (added or changed) until that cluster's ClusterLoadAssignment
 * arrives, and a listener until its routes do, even when those did not change: without them it
 * waits out `initial_fetch_timeout` (15 s) with the old config in force. So what a sent resource
 * names of its warming type goes out again in the same push.
 */
const WARMED_BY: ReadonlyMap<XdsTypeUrl, XdsTypeUrl> = new Map([
  [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL],
  [LISTENER_TYPE_URL, ROUTE_TYPE_URL],
]);

/** The resources Envoy waits for after being sent `sent` of `typeUrl`, by type: they must follow in the same push. */
export function warmingNeeds(typeUrl: XdsTypeUrl, sent: Iterable<CachedResource>): { typeUrl: XdsTypeUrl; names: string[] } | undefined {
  const warmedBy = WARMED_BY.get(typeUrl);
  if (!warmedBy) return undefined;
  const names: string[] = [];
  for (const r of sent) for (const ref of r.references) if (ref.typeUrl === warmedBy) names.push(ref.name);
  return names.length > 0 ? { typeUrl: warmedBy, names } : undefined;
}

/**
 * Envoy starts a VHDS subscription for a route configuration that names `vhds` when it first
 * gets it, and warms it (the listener with it) until a VHDS response brings its virtual hosts;
 * it asks nothing new, as its VHDS subscription is already a wildcard, so without them it waits
 * out `initial_fetch_timeout`. An update of a configuration it holds keeps its hosts and waits
 * for nothing. So the virtual hosts of each newly sent configuration follow in the same push,
 * even those the proxy was sent before (checked on Envoy 1.40).
 */
export function virtualHostsToFollow(sent: Iterable<CachedResource>, held: (name: string) => boolean): string[] {
  const names: string[] = [];
  for (const r of sent) {
    if (held(r.name)) continue;
    for (const ref of r.references) if (ref.typeUrl === VIRTUAL_HOST_TYPE_URL) names.push(ref.name);
  }
  return names;
}

/**
 * Make: listener and route updates wait until the clusters they build on are warm (CDS and
 * EDS answered) and the proxy holds every resource of an earlier type they name (e.g. the
 * cluster a route now uses), so a route never points at a cluster the proxy lacks.
 */
export function updatesMayProceed(typeUrl: XdsTypeUrl, view: HeldState, updates: readonly CachedResource[]): boolean {
  const waitsFor = WAITS_FOR_ANSWERS.get(typeUrl) ?? [];
  if (waitsFor.some((p) => view.isTracked(p) && view.awaitingAnswer(p))) return false;
  const among = toCheck(view, PUSH_ORDER.slice(0, PUSH_ORDER.indexOf(typeUrl)));
  return among.length === 0 || !updates.some((r) => missing(view, r, among));
}

/**
 * Break: a type's removals wait until every type that may use it (those before it in
 * REMOVAL_ORDER) has answered its last response and the proxy holds everything those users
 * name (e.g. the new route a new listener names).
 */
export function removalsMayProceed(typeUrl: XdsTypeUrl, view: HeldState): boolean {
  const users = REMOVAL_ORDER.slice(0, REMOVAL_ORDER.indexOf(typeUrl));
  const among = toCheck(view, PUSH_ORDER);
  for (const user of users) {
    if (!view.isTracked(user)) continue;
    if (view.awaitingAnswer(user)) return false;
    if (among.length === 0) continue;
    for (const resource of view.held(user)) if (missing(view, resource, among)) return false;
  }
  return true;
}

/**
 * Bounds how long a push may be held back for ordering: after `maxHoldMs` it goes out anyway
 * (a proxy that never answers must not pin old config forever).
 */
export class OrderingHold {
  private since: number | undefined;

  constructor(
    private readonly now: () => Date,
    private readonly maxHoldMs: number,
    private readonly retryIn: (delayMs: number) => void,
  ) {}

  mayProceed(ready: boolean): boolean {
    if (ready) return true;
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
