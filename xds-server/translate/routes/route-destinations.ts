import { outboundClusterName } from '../envoy/resource-names.ts';
import { resolveHost } from '../mesh/host-names.ts';
import type { RouteDestination } from '../mesh/mesh-model.ts';
import { destinationRuleFor, visibleService } from '../mesh/proxy-view.ts';
import { headerFields } from './header-operations.ts';
import { routeHashPolicy, type HashTarget } from './hash-policy.ts';
import type { RouteContext } from './route-context.ts';

export interface DestinationOrigin {
  source: string;
  namespace: string;
  /** Path of the rule, e.g. `spec.http[1]`. */
  field: string;
  /** The port the route serves: a destination without a port on a multi-port service keeps it. */
  servicePort: number;
}

/** The cluster a Destination names, or why it names none (reported, then dropped). */
export function destinationCluster(ctx: RouteContext, destination: RouteDestination['destination'], origin: DestinationOrigin): (HashTarget & { cluster: string }) | { problem: string } {
  const host = resolveHost(destination.host, origin.namespace, (h) => ctx.index.services.has(h));
  const service = visibleService(ctx.index, host, ctx.namespace);
  if (!service) return { problem: `host ${host} is not a service visible in namespace ${ctx.namespace}` };
  const only = service.ports.length === 1 ? service.ports[0]?.number : undefined;
  const port = destination.port?.number ?? only ?? origin.servicePort;
  if (!service.ports.some((p) => p.number === port)) return { problem: `${host} has no port ${port}` };
  if (ctx.inScope && !ctx.inScope(host, port)) return { problem: `${host}:${port} is outside this proxy's Sidecar egress hosts` };
  const subset = destination.subset ?? '';
  if (subset && !destinationRuleFor(ctx.index, host, ctx.namespace)?.spec.subsets?.some((s) => s.name === subset)) {
    return { problem: `no DestinationRule for ${host} defines subset ${subset}` };
  }
  return { cluster: outboundClusterName(port, subset, host), host, subset, port };
}

/**
 * The RouteAction target for a rule's destinations: `cluster` for one, `weighted_clusters` for
 * several (Envoy and gRPC sum the weights; the deprecated `total_weight` is left out).
 * Undefined when no destination is usable.
 */
export function routeTarget(ctx: RouteContext, destinations: readonly RouteDestination[], origin: DestinationOrigin): Record<string, unknown> | undefined {
  const usable: (HashTarget & { cluster: string; weight: number; headers: Record<string, unknown> })[] = [];
  destinations.forEach((d, i) => {
    const field = `${origin.field}.route[${i}]`;
    const found = destinationCluster(ctx, d.destination, origin);
    if ('problem' in found) {
      ctx.issues.push({ resource: origin.source, field: `${field}.destination`, message: `${found.problem}; destination dropped (the others share its weight)` });
      return;
    }
    // Istio: a lone destination takes all traffic; among several, an unset weight is 0.
    const weight = d.weight ?? (destinations.length === 1 ? 100 : 0);
    if (weight === 0) return;
    usable.push({ ...found, weight, headers: headerFields(d.headers, { source: origin.source, field: `${field}.headers` }, ctx.issues) });
  });
  if (usable.length === 0) return undefined;
  const hashPolicy = routeHashPolicy(ctx, usable, origin);
  const hashing = hashPolicy ? { hash_policy: hashPolicy } : {};
  const first = usable[0];
  if (usable.length === 1 && first && Object.keys(first.headers).length === 0) return { cluster: first.cluster, ...hashing };
  return { weighted_clusters: { clusters: usable.map((u) => ({ name: u.cluster, weight: { value: u.weight }, ...u.headers })) }, ...hashing };
}
