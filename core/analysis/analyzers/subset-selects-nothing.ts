import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import { describeLabels, selects } from '../labels.ts';

/** A subset whose labels match no endpoint of its host's services (WorkloadEntries, inline or auto-registered endpoints). */
export const subsetSelectsNothing: Analyzer = {
  code: 'TRL0104',
  title: 'subset labels select no workload',
  run(view) {
    const findings: Finding[] = [];
    for (const dr of view.of('DestinationRule')) {
      const services = view.servicesFor(dr.spec.host, dr.metadata.namespace).filter((s) => !view.resolvesWithoutEndpoints(s));
      if (services.length === 0) continue;
      const endpoints = services.flatMap((s) => view.endpointsOf(s));
      (dr.spec.subsets ?? []).forEach((subset, i) => {
        if (!subset.labels || Object.keys(subset.labels).length === 0) return;
        if (endpoints.some((w) => selects(subset.labels, w.labels))) return;
        findings.push({
          code: this.code,
          message: `subset "${subset.name}" selects ${describeLabels(subset.labels)} but none of the ${endpoints.length} endpoint(s) of ${dr.spec.host} has those labels; traffic to it fails with 503 until such a workload registers`,
          resource: keyOf(dr),
          path: `spec.subsets[${i}].labels`,
          related: services.map((s) => keyOf(s.entry)),
        });
      });
    }
    return findings;
  },
};
