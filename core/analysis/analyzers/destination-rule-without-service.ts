import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';

/** A DestinationRule for a host no ServiceEntry defines has no cluster to apply to. */
export const destinationRuleWithoutService: Analyzer = {
  code: 'TRL0112',
  title: 'DestinationRule for a host with no service',
  run(view) {
    const findings: Finding[] = [];
    for (const dr of view.of('DestinationRule')) {
      if (dr.spec.host.includes('*') || view.servicesFor(dr.spec.host, dr.metadata.namespace).length > 0) continue;
      findings.push({
        code: this.code,
        message: `host "${dr.spec.host}" (${view.qualify(dr.spec.host, dr.metadata.namespace)}) is not defined by any ServiceEntry; this rule applies to nothing`,
        resource: keyOf(dr),
        path: 'spec.host',
      });
    }
    return findings;
  },
};
