import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import { selects } from '../labels.ts';
import { routeDestinations } from '../virtual-service-routes.ts';

/** Traffic weighted to a service (or subset) that has no endpoints fails with 503 for that share. */
export const weightWithoutEndpoints: Analyzer = {
  code: 'TRL0108',
  title: 'weight to a destination with no endpoints',
  run(view) {
    const findings: Finding[] = [];
    for (const vs of view.of('VirtualService')) {
      for (const d of routeDestinations(vs)) {
        const weight = d.weight ?? 100;
        if (weight <= 0) continue;
        const services = view.servicesFor(d.host, vs.metadata.namespace);
        // No service or an undefined subset: TRL0102 and TRL0103 say so.
        if (services.length === 0 || services.some((s) => view.resolvesWithoutEndpoints(s))) continue;
        let endpoints = services.flatMap((s) => view.endpointsOf(s));
        if (d.subset !== undefined) {
          const subset = view.destinationRulesFor(d.host, vs.metadata.namespace).flatMap((dr) => dr.spec.subsets ?? []).find((s) => s.name === d.subset);
          if (!subset) continue;
          endpoints = endpoints.filter((w) => selects(subset.labels, w.labels));
        }
        if (endpoints.length > 0) continue;
        const target = d.subset !== undefined ? `${d.host} subset "${d.subset}"` : d.host;
        findings.push({
          code: this.code,
          message: `${d.weight !== undefined ? `weight ${weight}` : 'all traffic'} goes to ${target}, which has no endpoints (no WorkloadEntry, inline or auto-registered endpoint); those requests fail with 503`,
          resource: keyOf(vs),
          path: d.weight !== undefined ? `${d.entryPath}.weight` : d.path,
          related: services.map((s) => keyOf(s.entry)),
        });
      }
    }
    return findings;
  },
};
