import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import { routeDestinations } from '../virtual-service-routes.ts';

/** A route names a subset that no DestinationRule for its host defines. */
export const subsetNotDefined: Analyzer = {
  code: 'TRL0103',
  title: 'subset not defined in any DestinationRule',
  run(view) {
    const findings: Finding[] = [];
    for (const vs of view.of('VirtualService')) {
      for (const d of routeDestinations(vs)) {
        if (d.subset === undefined) continue;
        const rules = view.destinationRulesFor(d.host, vs.metadata.namespace);
        if (rules.some((dr) => (dr.spec.subsets ?? []).some((s) => s.name === d.subset))) continue;
        const where = rules.length === 0 ? 'no DestinationRule exists for this host' : `DestinationRule ${rules.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).join(', ')} does not define it`;
        findings.push({
          code: this.code,
          message: `subset "${d.subset}" of host "${d.host}" is not defined: ${where}; requests routed here fail with 503`,
          resource: keyOf(vs),
          path: `${d.path}.subset`,
          related: rules.map(keyOf),
        });
      }
    }
    return findings;
  },
};
