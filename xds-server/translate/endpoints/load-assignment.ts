import type { ServiceEndpoint } from '../mesh/mesh-model.ts';
import { endpointTlsFields } from '../security/tls-mode.ts';
import { applyLocalityPlan, type LocalityPlan } from './locality-lb.ts';

/**
 * Endpoints of one cluster on one port, grouped by locality: `{ region, zone, sub_zone }` from
 * `region/zone/subzone`. A locality plan (see locality-lb.ts) reweights, drops or prioritises the
 * groups for the proxy's own locality.
 */
export function loadAssignment(clusterName: string, endpoints: readonly ServiceEndpoint[], portOf: (e: ServiceEndpoint) => number, plan: LocalityPlan = { kind: 'none' }): Record<string, unknown> {
  const byLocality = new Map<string, ServiceEndpoint[]>();
  for (const e of endpoints) {
    const list = byLocality.get(e.locality);
    if (list) list.push(e);
    else byLocality.set(e.locality, [e]);
  }
  const localities = [...byLocality.keys()].sort();
  const outcomes = applyLocalityPlan(
    plan,
    localities.map((locality) => ({ locality, weight: (byLocality.get(locality) ?? []).reduce((sum, e) => sum + e.weight, 0) })),
  );
  return {
    cluster_name: clusterName,
    endpoints: localities.flatMap((locality, i) => {
      const outcome = outcomes[i];
      if (!outcome) return [];
      const members = [...(byLocality.get(locality) ?? [])].sort((a, b) => compareEndpoints(a, b, portOf));
      return {
        locality: localityOf(locality),
        // Proxyless gRPC silently drops a locality without a weight.
        load_balancing_weight: { value: outcome.weight },
        // Priority 0 is the default; leaving it out keeps assignments without failover as they were.
        ...(outcome.priority ? { priority: outcome.priority } : {}),
        lb_endpoints: members.map((e) => ({
          endpoint: { address: { socket_address: { address: e.address, port_value: portOf(e) } } },
          load_balancing_weight: { value: e.weight },
          ...endpointTlsFields(e.labels),
        })),
      };
    }),
  };
}

function compareEndpoints(a: ServiceEndpoint, b: ServiceEndpoint, portOf: (e: ServiceEndpoint) => number): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return portOf(a) - portOf(b);
}

function localityOf(text: string): Record<string, string> {
  const [region, zone, subZone] = text.split('/');
  const locality: Record<string, string> = {};
  if (region) locality['region'] = region;
  if (zone) locality['zone'] = zone;
  if (subZone) locality['sub_zone'] = subZone;
  return locality;
}
