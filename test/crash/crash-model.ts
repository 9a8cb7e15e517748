import type { KindName } from '../../core/resources/kinds.ts';
import type { IstioResource, ResourceKey } from '../../core/resources/resource.ts';
import type { Change, RevisionChange } from '../../core/store/config-store.ts';

/**
 * What revision n of the crash-test mesh writes, as a pure function of n, so a survivor can
 * check every revision without knowing what the killed process managed to do:
 * it rewrites VirtualService `slot-(n%5)` and DestinationRule `dr-(n%3)`, creates
 * ServiceEntry `se-n` and deletes `se-(n-4)`.
 */
export const TENANT = 'crash';
export const MESH = 'loop';

export function specFor(kind: KindName, name: string, n: number): Record<string, unknown> {
  return { writtenAt: n, kind, name, note: `revision ${n}`, filler: 'x'.repeat(100 + (n % 7) * 50) };
}

function body(kind: KindName, namespace: string, name: string, n: number): IstioResource {
  const group = 'networking.istio.io/v1';
  return { apiVersion: group, kind, metadata: { name, namespace, labels: { rev: String(n) } }, spec: specFor(kind, name, n) };
}

export function changesFor(n: number): Change[] {
  const changes: Change[] = [
    { op: 'put', resource: body('VirtualService', 'web', `slot-${n % 5}`, n) },
    { op: 'put', resource: body('DestinationRule', 'web', `dr-${n % 3}`, n) },
    { op: 'put', resource: body('ServiceEntry', 'ext', `se-${n}`, n), expectedVersion: null },
  ];
  if (n > 4) changes.push({ op: 'delete', key: { kind: 'ServiceEntry', namespace: 'ext', name: `se-${n - 4}` }, expectedVersion: String(n - 4) });
  return changes;
}

/** The revision changes n must have recorded, in commit order. */
export function expectedChanges(n: number): RevisionChange[] {
  const rewrite = (kind: KindName, name: string, period: number): RevisionChange =>
    n > period ? { kind, namespace: 'web', name, action: 'updated', previousVersion: String(n - period) } : { kind, namespace: 'web', name, action: 'created' };
  const changes = [rewrite('VirtualService', `slot-${n % 5}`, 5), rewrite('DestinationRule', `dr-${n % 3}`, 3), { kind: 'ServiceEntry' as const, namespace: 'ext', name: `se-${n}`, action: 'created' as const }];
  if (n > 4) changes.push({ kind: 'ServiceEntry', namespace: 'ext', name: `se-${n - 4}`, action: 'deleted', previousVersion: String(n - 4) });
  return changes;
}

/** Every resource the mesh holds at revision n, with the revision that last wrote it, in key order. */
export function expectedSnapshot(n: number): { key: ResourceKey; writtenAt: number }[] {
  const latest = (residue: number, period: number) => {
    for (let m = n; m >= 1 && m > n - period; m--) if (m % period === residue) return m;
    return undefined;
  };
  const out: { key: ResourceKey; writtenAt: number }[] = [];
  for (let r = 0; r < 3; r++) {
    const m = latest(r, 3);
    if (m !== undefined) out.push({ key: { kind: 'DestinationRule', namespace: 'web', name: `dr-${r}` }, writtenAt: m });
  }
  for (let m = Math.max(1, n - 3); m <= n; m++) out.push({ key: { kind: 'ServiceEntry', namespace: 'ext', name: `se-${m}` }, writtenAt: m });
  for (let r = 0; r < 5; r++) {
    const m = latest(r, 5);
    if (m !== undefined) out.push({ key: { kind: 'VirtualService', namespace: 'web', name: `slot-${r}` }, writtenAt: m });
  }
  const sk = (e: { key: ResourceKey }) => `${e.key.kind}\u0000${e.key.namespace}\u0000${e.key.name}`;
  return out.sort((a, b) => (sk(a) < sk(b) ? -1 : 1));
}
