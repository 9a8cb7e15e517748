import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import { appliesToSidecars } from '../virtual-service-routes.ts';

/** A mesh VirtualService for a host no ServiceEntry defines: sidecars have nothing to route it for. */
export const vsHostWithoutService: Analyzer = {
  code: 'TRL0101',
  title: 'VirtualService host with no service',
  run(view) {
    const findings: Finding[] = [];
    for (const vs of view.of('VirtualService')) {
      if (!appliesToSidecars(vs)) continue;
      (vs.spec.hosts ?? []).forEach((host, i) => {
        if (host.includes('*') || view.servicesFor(host, vs.metadata.namespace).length > 0) return;
        findings.push({
          code: this.code,
          message: `host "${host}" (${view.qualify(host, vs.metadata.namespace)}) is not defined by any ServiceEntry, so no sidecar routes it`,
          resource: keyOf(vs),
          path: `spec.hosts[${i}]`,
        });
      });
    }
    return findings;
  },
};
