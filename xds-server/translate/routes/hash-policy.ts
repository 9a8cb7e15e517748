import { protoDuration } from '../envoy/duration.ts';
import { effectivePolicy } from '../mesh/effective-policy.ts';
import type { TrafficPolicy } from '../mesh/mesh-model.ts';
import { destinationRuleFor } from '../mesh/proxy-view.ts';
import type { RouteContext } from './route-context.ts';

type ConsistentHash = NonNullable<NonNullable<TrafficPolicy['loadBalancer']>['consistentHash']>;

/** What a route needs to hash on for a DestinationRule's consistentHash (the cluster side picks the ring). */
export function hashPolicyOf(hash: ConsistentHash): Record<string, unknown>[] {
  if (hash.httpHeaderName) return [{ header: { header_name: hash.httpHeaderName.toLowerCase() } }];
  if (hash.httpCookie) {
    const cookie: Record<string, unknown> = { name: hash.httpCookie.name };
    if (hash.httpCookie.ttl) cookie['ttl'] = protoDuration(hash.httpCookie.ttl);
    if (hash.httpCookie.path) cookie['path'] = hash.httpCookie.path;
    return [{ cookie }];
  }
  if (hash.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (hash.httpQueryParameterName) return [{ query_parameter: { name: hash.httpQueryParameterName } }];
  return [];
}

export interface HashTarget {
  host: string;
  subset: string;
  port: number;
}

/**
 * RouteAction `hash_policy` for the clusters a route targets. Envoy hashes once per route, so
 * like Istio the first destination with a consistent hash decides; a disagreeing one is reported.
 */
export function routeHashPolicy(ctx: RouteContext, targets: readonly HashTarget[], origin: { source: string; field: string }): Record<string, unknown>[] | undefined {
  let chosen: string | undefined;
  let policy: Record<string, unknown>[] | undefined;
  for (const t of targets) {
    const hash = effectivePolicy(destinationRuleFor(ctx.index, t.host, ctx.namespace), t.subset, t.port)?.loadBalancer?.consistentHash;
    if (!hash) continue;
    const built = hashPolicyOf(hash);
    const text = JSON.stringify(built);
    if (chosen === undefined) {
      chosen = text;
      policy = built;
    } else if (chosen !== text) {
      ctx.issues.push({ resource: origin.source, field: `${origin.field}.route`, message: `destinations hash on different keys; the first one (${chosen}) is used` });
    }
  }
  return policy && policy.length > 0 ? policy : undefined;
}
