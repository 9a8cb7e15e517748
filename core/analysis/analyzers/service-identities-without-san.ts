import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf, type ResourceKey } from '../../resources/resource.ts';
import { selectorCanPickMember } from '../../resources/workload-group.ts';
import { selects } from '../labels.ts';

/**
 * Without subjectAltNames, callers accept any identity that serves a host's endpoints. When the
 * selector picks workloads of several service accounts (WorkloadEntries, or WorkloadGroups whose
 * fixed labels do not rule the selector out), each of them can serve the host.
 */
export const serviceIdentitiesWithoutSan: Analyzer = {
  code: 'TRL0114',
  title: 'ServiceEntry served by several service accounts without subjectAltNames',
  run(view) {
    const findings: Finding[] = [];
    for (const se of view.of('ServiceEntry')) {
      if (!se.spec.workloadSelector || (se.spec.subjectAltNames ?? []).length > 0) continue;
      const selector = se.spec.workloadSelector.labels ?? {};
      const ns = se.metadata.namespace;
      const members: { key: ResourceKey; serviceAccount: string }[] = [];
      for (const w of view.workloads) {
        if (w.key.kind === 'WorkloadEntry' && w.namespace === ns && w.serviceAccount && selects(selector, w.labels)) members.push({ key: w.key, serviceAccount: w.serviceAccount });
      }
      for (const g of view.of('WorkloadGroup')) {
        const serviceAccount = g.spec.template.serviceAccount;
        if (g.metadata.namespace === ns && serviceAccount && selectorCanPickMember(selector, g.spec)) members.push({ key: keyOf(g), serviceAccount });
      }
      const accounts = [...new Set(members.map((m) => m.serviceAccount))].sort();
      if (accounts.length < 2) continue;
      findings.push({
        code: this.code,
        message:
          `the workloadSelector picks workloads running as ${accounts.length} service accounts (${accounts.join(', ')}), so any of those identities can serve ${se.spec.hosts.join(', ')}; ` +
          'list the identities that may serve it in subjectAltNames, or register each service account through its own WorkloadGroup with labels the selector tells apart',
        resource: keyOf(se),
        path: 'spec.workloadSelector',
        related: members.map((m) => m.key),
      });
    }
    return findings;
  },
};
