import { dnsLabelProblem } from '../formats/names.ts';
import type { DestinationRuleSpec } from '../schemas/destination-rule.ts';
import { Findings } from './collector.ts';
import { checkExportTo, checkUnique } from './common.ts';
import { checkTrafficPolicy } from './traffic-policy.ts';

export function validateDestinationRule(spec: DestinationRuleSpec): Findings {
  const f = new Findings();
  checkTrafficPolicy(f, ['trafficPolicy'], spec.trafficPolicy);
  spec.subsets?.forEach((subset, i) => {
    f.add(['subsets', i, 'name'], dnsLabelProblem(subset.name, 'subset name'));
    checkTrafficPolicy(f, ['subsets', i, 'trafficPolicy'], subset.trafficPolicy);
  });
  checkUnique(f, spec.subsets, (s) => s.name, (i) => ['subsets', i, 'name'], 'subset name');
  checkExportTo(f, spec.exportTo);
  return f;
}
