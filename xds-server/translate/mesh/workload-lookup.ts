import { labelsMatch } from './labels-match.ts';

export interface Workload {
  source: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * Workloads by namespace and by each `key=value` label, so a selector costs the size of its
 * smallest first-label bucket instead of a scan of every workload in the mesh.
 */
export class WorkloadLookup<W extends Workload> {
  private readonly byNamespace = new Map<string, W[]>();
  private readonly byLabel = new Map<string, W[]>();

  add(w: W): void {
    push(this.byNamespace, w.namespace, w);
    for (const [k, v] of Object.entries(w.labels)) push(this.byLabel, `${w.namespace}\u0000${k}=${v}`, w);
  }

  select(namespace: string, selector: Readonly<Record<string, string>>): W[] {
    const first = Object.entries(selector)[0];
    const candidates = first ? this.byLabel.get(`${namespace}\u0000${first[0]}=${first[1]}`) : this.byNamespace.get(namespace);
    return (candidates ?? []).filter((w) => labelsMatch(selector, w.labels));
  }
}

function push<W>(map: Map<string, W[]>, key: string, value: W): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
