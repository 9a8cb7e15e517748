import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import { routeDestinations } from '../virtual-service-routes.ts';

/** A route to a host no ServiceEntry defines: sidecars have no cluster for it and answer 503. */
export const destinationWithoutService: Analyzer = {
  code: 'TRL0102',
  title: 'route destination host with no service',
  run(view) {
    const findings: Finding[] = [];
    for (const vs of view.of('VirtualService')) {
      for (const d of routeDestinations(vs)) {
        if (d.host.includes('*') || view.servicesFor(d.host, vs.metadata.namespace).length > 0) continue;
        findings.push({
          code: this.code,
          message: `destination host "${d.host}" (${view.qualify(d.host, vs.metadata.namespace)}) is not defined by any ServiceEntry; requests routed here fail with 503`,
          resource: keyOf(vs),
          path: `${d.path}.host`,
        });
      }
    }
    return findings;
  },
};
