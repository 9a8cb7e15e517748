import type { WorkloadEntrySpec } from '../schemas/workload-entry.ts';
import { Findings } from './collector.ts';
import { checkWorkload } from './workload-address.ts';

export function validateWorkloadEntry(spec: WorkloadEntrySpec): Findings {
  const f = new Findings();
  checkWorkload(f, [], spec);
  return f;
}
