import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf } from '../../resources/resource.ts';
import { describeLabels, selects } from '../labels.ts';
import { isRootNamespace } from '../root-namespaces.ts';

/** A policy whose selector matches no workload of its namespace does nothing until such a workload registers. */
export const selectorSelectsNothing: Analyzer = {
  code: 'TRL0113',
  title: 'policy selector matches no workload',
  run(view) {
    const findings: Finding[] = [];
    const policies = [...view.of('PeerAuthentication'), ...view.of('AuthorizationPolicy'), ...view.of('RequestAuthentication')];
    for (const policy of policies) {
      const selector = policy.spec.selector?.matchLabels;
      if (!selector || Object.keys(selector).length === 0) continue;
      const ns = policy.metadata.namespace;
      if (view.workloads.some((w) => (isRootNamespace(ns) || w.namespace === ns) && selects(selector, w.labels))) continue;
      findings.push({
        code: this.code,
        message: `selector ${describeLabels(selector)} matches no workload in namespace ${ns} (WorkloadEntries, inline or auto-registered endpoints); the policy has no effect yet`,
        resource: keyOf(policy),
        path: 'spec.selector.matchLabels',
      });
    }
    return findings;
  },
};
