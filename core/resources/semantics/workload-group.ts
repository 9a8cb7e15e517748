import { dnsLabelProblem } from '../formats/names.ts';
import type { WorkloadGroupSpec } from '../schemas/workload-group.ts';
import { Findings } from './collector.ts';
import { checkPortNames } from './workload-address.ts';

export function validateWorkloadGroup(spec: WorkloadGroupSpec): Findings {
  const f = new Findings();
  const template = spec.template;
  if (template.address !== undefined) f.add(['template', 'address'], 'address must not be set in a template: each workload registers with its own address');
  checkPortNames(f, ['template'], template.ports);
  // The certificate identity a member must hold; identities are DNS labels (core/identity).
  if (template.serviceAccount !== undefined) f.add(['template', 'serviceAccount'], dnsLabelProblem(template.serviceAccount, 'serviceAccount'));
  return f;
}
