import { outboundClusterName } from '../envoy/resource-names.ts';
import { resolveHost } from '../mesh/host-names.ts';
import { delegatesOf } from '../mesh/delegates.ts';
import type { DestinationRuleEntry, MeshIndex, MeshService, ServicePort, VirtualServiceEntry } from '../mesh/mesh-model.ts';
import { memoized } from '../mesh/memo.ts';
import { virtualServicesFor } from '../mesh/proxy-view.ts';
import { sourceLabelSignature } from '../mesh/source-labels.ts';
import type { TranslationIssue } from '../translation-result.ts';
import { virtualServiceRoutes } from './http-routes.ts';
import { routeHashPolicy } from './hash-policy.ts';
import { defaultRetryPolicy } from './retry-policy.ts';
import type { RouteContext } from './route-context.ts';
import { timeoutFields } from './route-actions.ts';

interface BuiltVirtualHost {
  virtualHost: Record<string, unknown>;
  issues: readonly TranslationIssue[];
}

/** What routes read from other services: ports, visibility and subset names, not endpoints. */
function shapeOf(index: MeshIndex, host: string): string {
  const service = index.services.get(host);
  // Routes read subset names, and the consistent-hash keys they hash on.
  const hashes = (d: DestinationRuleEntry) => [d.spec.trafficPolicy, ...(d.spec.subsets ?? []).map((s) => s.trafficPolicy)].map((p) => [p?.loadBalancer?.consistentHash, p?.portLevelSettings?.map((l) => l.loadBalancer?.consistentHash)]);
  const rules = (index.destinationRules.get(host) ?? []).map((d) => [d.namespace, d.spec.exportTo, d.spec.subsets?.map((s) => s.name), hashes(d)]);
  return JSON.stringify([service?.ports, service?.namespace, service?.exportTo, rules]);
}

function destinationShapes(index: MeshIndex, entries: readonly VirtualServiceEntry[]): string {
  const hosts = new Set<string>();
  for (const vs of [...entries, ...delegatesOf(index.delegates, entries)]) {
    for (const rule of vs.spec.http ?? []) {
      const named = [...(rule.route ?? []).map((r) => r.destination.host), ...(rule.mirror ? [rule.mirror.host] : []), ...(rule.mirrors ?? []).map((m) => m.destination.host)];
      for (const host of named) hosts.add(resolveHost(host, vs.namespace, (h) => index.services.has(h)));
    }
  }
  return [...hosts].sort().map((h) => `${h}=${shapeOf(index, h)}`).join(';');
}

function defaultRoute(ctx: RouteContext, service: MeshService, port: ServicePort): Record<string, unknown> {
  const hashPolicy = routeHashPolicy(ctx, [{ host: service.host, subset: '', port: port.number }], { source: service.source, field: 'spec' });
  return {
    name: 'default',
    match: { prefix: '/' },
    route: { cluster: outboundClusterName(port.number, '', service.host), ...timeoutFields(ctx, undefined), retry_policy: defaultRetryPolicy(), ...(hashPolicy ? { hash_policy: hashPolicy } : {}) },
  };
}

function build(ctx: RouteContext, service: MeshService, port: ServicePort, name: string, domains: readonly string[], entries: readonly VirtualServiceEntry[]): BuiltVirtualHost {
  const issues: TranslationIssue[] = [];
  const local = { ...ctx, issues };
  const [first, ...ignored] = entries;
  for (const vs of ignored) {
    issues.push({ resource: vs.source, field: 'spec.hosts', message: `${service.host} is already routed by ${first?.source}; this VirtualService is ignored for it` });
  }
  const routes = first ? virtualServiceRoutes(local, first, port.number) : [defaultRoute(local, service, port)];
  return { virtualHost: { name, domains: [...domains], routes }, issues };
}

/**
 * The virtual host for one port of one service, memoised by everything it is built from so an
 * unchanged service yields the very same object on the next revision.
 */
export function serviceVirtualHost(ctx: RouteContext, service: MeshService, port: ServicePort, name: string, domains: readonly string[]): BuiltVirtualHost {
  const entries = virtualServicesFor(ctx.index, service.host, ctx.namespace);
  // Routes read a proxy's labels only through sourceLabels matches: proxies that match the same ones share the host.
  const labels = sourceLabelSignature(ctx.index, ctx.labels);
  const key = ['vh', ctx.flavour, ctx.namespace, labels, ctx.scopeKey ?? '', name, domains.join(','), ctx.index.routeFingerprints.get(service.host), destinationShapes(ctx.index, entries)].join('|');
  return memoized(ctx.index, key, () => build(ctx, service, port, name, domains, entries));
}
