import { PATCHED_TYPES, patchType, type PatchTarget } from '../../../core/envoy/patch-root.ts';
import type { PatchContext } from '../../../core/resources/index.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { Named, TranslationResult } from '../translation-result.ts';
import type { EnvoyFilterEntry, ReadyPatch } from './entries.ts';
import { chainMatches, clusterMatches, contextMatches, filtersOf, HCM_FILTER, listenerMatches, routeConfigMatches, routeMatches, vhostMatches } from './match.ts';
import { isObj, protoMerge, type Obj } from './proto-merge.ts';
import { ROOT_NAMESPACES } from '../security/index.ts';

/** Which part of a sidecar's config is being patched: ADD patches go into exactly one of shared and inbound. */
export type PatchedPart = 'shared' | 'inbound' | 'whole';

const typeOf = (target: PatchTarget) => patchType(PATCHED_TYPES[target]);

/** The EnvoyFilters that apply to a proxy, in order: priority, then the root namespace's before the proxy's own, then by name. */
export function filtersFor(filters: readonly EnvoyFilterEntry[], proxy: ProxyDescriptor): EnvoyFilterEntry[] {
  const root = (e: EnvoyFilterEntry) => ROOT_NAMESPACES.includes(e.namespace);
  return filters
    .filter((e) => (e.namespace === proxy.namespace || root(e)) && Object.entries(e.selector ?? {}).every(([k, v]) => proxy.labels[k] === v))
    .sort((a, b) => a.priority - b.priority || Number(root(b)) - Number(root(a)) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

/**
 * Applies a proxy's EnvoyFilters to what translation made for it (a pure function: nothing it is
 * given changes). A resource's context is GATEWAY on gateways, and on sidecars SIDECAR_INBOUND for
 * `inbound|…` names and SIDECAR_OUTBOUND otherwise. Proxyless gRPC clients are not patched.
 */
export function applyEnvoyFilters(result: TranslationResult, filters: readonly EnvoyFilterEntry[], proxy: ProxyDescriptor, part: PatchedPart): TranslationResult {
  if (proxy.kind === 'grpc') return result;
  const selected = filtersFor(filters, proxy);
  if (selected.length === 0) return result;
  const contextOf = (name: string): PatchContext => (proxy.kind === 'gateway' ? 'GATEWAY' : name.startsWith('inbound|') ? 'SIDECAR_INBOUND' : 'SIDECAR_OUTBOUND');
  const mayAdd = (p: ReadyPatch) => {
    if (proxy.kind === 'gateway') return contextMatches(p.match, 'GATEWAY');
    if (p.match.context === 'GATEWAY') return false;
    if (part === 'whole') return true;
    return (p.match.context === 'SIDECAR_INBOUND') === (part === 'inbound');
  };
  let { clusters, listeners, routes } = result;
  for (const patch of selected.flatMap((e) => e.patches)) {
    switch (patch.applyTo) {
      case 'CLUSTER':
        clusters = patchNamed(clusters, patch, contextOf, clusterMatches, mayAdd(patch));
        break;
      case 'LISTENER':
        listeners = patchNamed(listeners, patch, contextOf, listenerMatches, mayAdd(patch));
        break;
      case 'FILTER_CHAIN':
      case 'NETWORK_FILTER':
      case 'HTTP_FILTER':
        listeners = listeners.map((l) => (contextMatches(patch.match, contextOf(l.name)) && listenerMatches(patch.match, l.resource) ? { name: l.name, resource: patchListener(l.resource, patch) } : l));
        break;
      default:
        routes = routes.map((r) => (contextMatches(patch.match, contextOf(r.name)) ? { name: r.name, resource: patchRouteConfig(r.resource, patch) } : r));
        listeners = listeners.map((l) => (contextMatches(patch.match, contextOf(l.name)) ? { name: l.name, resource: patchInlineRoutes(l.resource, patch) } : l));
    }
  }
  return { ...result, clusters, listeners, routes };
}

function patchNamed(list: readonly Named[], patch: ReadyPatch, contextOf: (name: string) => PatchContext, matches: (m: ReadyPatch['match'], o: Obj) => boolean, mayAdd: boolean): Named[] {
  const value = patch.value;
  if (patch.operation === 'ADD') {
    if (!mayAdd || !value || typeof value['name'] !== 'string') return [...list];
    const name = value['name'];
    return [...list.filter((n) => n.name !== name), { name, resource: value }];
  }
  const out: Named[] = [];
  for (const n of list) {
    if (!contextMatches(patch.match, contextOf(n.name)) || !matches(patch.match, n.resource)) out.push(n);
    else if (patch.operation === 'MERGE' && value) out.push({ name: n.name, resource: { ...protoMerge(typeOf(patch.applyTo), n.resource, value), name: n.name } });
    else if (patch.operation !== 'REMOVE') out.push(n);
  }
  return out;
}

/** MERGE, REMOVE, REPLACE, ADD and the INSERTs on one list; `targeted` says whether the match names an item. */
function listOp(items: readonly Obj[], patch: ReadyPatch, isTarget: (o: Obj) => boolean, targeted: boolean): Obj[] {
  const value = patch.value;
  switch (patch.operation) {
    case 'MERGE':
      return value ? items.map((i) => (isTarget(i) ? protoMerge(typeOf(patch.applyTo), i, value) : i)) : [...items];
    case 'REMOVE':
      return items.filter((i) => !isTarget(i));
    case 'REPLACE':
      return value ? items.map((i) => (isTarget(i) ? value : i)) : [...items];
    case 'ADD':
      return value ? [...items, value] : [...items];
    case 'INSERT_FIRST':
      return value ? [value, ...items] : [...items];
    case 'INSERT_BEFORE':
    case 'INSERT_AFTER': {
      if (!value) return [...items];
      // Without a named target, BEFORE means first and AFTER means last (as Istio does).
      const at = targeted ? items.findIndex(isTarget) : patch.operation === 'INSERT_BEFORE' ? 0 : items.length;
      if (at < 0) return [...items];
      const index = targeted && patch.operation === 'INSERT_AFTER' ? at + 1 : at;
      return [...items.slice(0, index), value, ...items.slice(index)];
    }
    default:
      return [...items];
  }
}

function chainsOf(listener: Obj): Obj[] {
  return Array.isArray(listener['filter_chains']) ? (listener['filter_chains'] as Obj[]) : [];
}

function patchListener(listener: Obj, patch: ReadyPatch): Obj {
  const chains = chainsOf(listener);
  if (patch.applyTo === 'FILTER_CHAIN') {
    const targeted = patch.match.listener?.filterChain !== undefined;
    return { ...listener, filter_chains: listOp(chains, patch, (c) => chainMatches(patch.match, c), targeted) };
  }
  return { ...listener, filter_chains: chains.map((c) => (chainMatches(patch.match, c) ? patchChain(c, patch) : c)) };
}

function patchChain(chain: Obj, patch: ReadyPatch): Obj {
  const filterName = patch.match.listener?.filterChain?.filter?.name;
  const filters = filtersOf(chain);
  if (patch.applyTo === 'NETWORK_FILTER') return { ...chain, filters: listOp(filters, patch, (f) => filterName === undefined || f['name'] === filterName, filterName !== undefined) };
  // HTTP_FILTER: the HTTP connection manager's filter list.
  return { ...chain, filters: filters.map((f) => (f['name'] === HCM_FILTER && (filterName === undefined || filterName === HCM_FILTER) ? patchHttpFilters(f, patch) : f)) };
}

function patchHttpFilters(hcmFilter: Obj, patch: ReadyPatch): Obj {
  const config = hcmFilter['typed_config'];
  if (!isObj(config)) return hcmFilter;
  const sub = patch.match.listener?.filterChain?.filter?.subFilter?.name;
  const httpFilters = Array.isArray(config['http_filters']) ? (config['http_filters'] as Obj[]) : [];
  return { ...hcmFilter, typed_config: { ...config, http_filters: listOp(httpFilters, patch, (f) => sub === undefined || f['name'] === sub, sub !== undefined) } };
}

function patchRouteConfig(config: Obj, patch: ReadyPatch): Obj {
  if (!routeConfigMatches(patch.match, config)) return config;
  if (patch.applyTo === 'ROUTE_CONFIGURATION') return patch.operation === 'MERGE' && patch.value ? { ...protoMerge(typeOf('ROUTE_CONFIGURATION'), config, patch.value), name: config['name'] } : config;
  const vhosts = Array.isArray(config['virtual_hosts']) ? (config['virtual_hosts'] as Obj[]) : [];
  if (patch.applyTo === 'VIRTUAL_HOST') return { ...config, virtual_hosts: listOp(vhosts, patch, (v) => vhostMatches(patch.match, v), patch.match.routeConfiguration?.vhost !== undefined) };
  const named = patch.match.routeConfiguration?.vhost?.route?.name !== undefined;
  return {
    ...config,
    virtual_hosts: vhosts.map((v) => {
      if (!vhostMatches(patch.match, v)) return v;
      const routes = Array.isArray(v['routes']) ? (v['routes'] as Obj[]) : [];
      return { ...v, routes: listOp(routes, patch, (r) => routeMatches(patch.match, r), named) };
    }),
  };
}

/** Route configurations inline in a listener's HTTP connection managers (the inbound side, gateways). */
function patchInlineRoutes(listener: Obj, patch: ReadyPatch): Obj {
  if (!listenerMatches(patch.match, listener)) return listener;
  const chains = chainsOf(listener).map((c) => {
    if (!chainMatches(patch.match, c)) return c;
    const filters = filtersOf(c).map((f) => {
      const config = f['typed_config'];
      if (f['name'] !== HCM_FILTER || !isObj(config) || !isObj(config['route_config'])) return f;
      return { ...f, typed_config: { ...config, route_config: patchRouteConfig(config['route_config'], patch) } };
    });
    return { ...c, filters };
  });
  return { ...listener, filter_chains: chains };
}
