import type { WorkloadView } from '../api-types.ts';
import { renderTable } from './table.ts';
import { age } from './time.ts';

/** The identity the workload proved (its certificate), or the one it only claimed on plaintext xDS. */
export const workloadIdentity = (w: Pick<WorkloadView, 'spiffeId' | 'namespace' | 'serviceAccount'>) => w.spiffeId ?? `ns/${w.namespace}/sa/${w.serviceAccount} (claimed)`;

const labelsCell = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '<none>';

/** `trellis get workloads`: one row per registry entry, ages relative to `now`. */
export function workloadTable(items: readonly WorkloadView[], now: Date = new Date()): string {
  const sorted = [...items].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const rows = sorted.map((w) => [w.name, w.namespace, w.group ?? '-', workloadIdentity(w), w.address, labelsCell(w.labels), w.locality ?? '-', w.replica, age(w.since, now)]);
  return renderTable(['NAME', 'NAMESPACE', 'GROUP', 'IDENTITY', 'ADDRESS', 'LABELS', 'LOCALITY', 'REPLICA', 'SINCE'], rows);
}
