import { labelsMatch } from './labels-match.ts';
import type { MeshIndex, VirtualServiceEntry } from './mesh-model.ts';

type Selector = Readonly<Record<string, string>>;

const perIndex = new WeakMap<MeshIndex, readonly Selector[]>();
const byKey = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);

/** Every distinct `sourceLabels` selector the mesh's VirtualServices match on (http, tcp, tls), found once per index. */
function selectorsOf(index: MeshIndex): readonly Selector[] {
  const cached = perIndex.get(index);
  if (cached) return cached;
  const seen = new Map<string, Selector>();
  const visit = (vs: VirtualServiceEntry) => {
    const rules = [...(vs.spec.http ?? []), ...(vs.spec.tcp ?? []), ...(vs.spec.tls ?? [])];
    for (const rule of rules) {
      for (const m of (rule.match ?? []) as { sourceLabels?: Selector }[]) {
        if (!m.sourceLabels) continue;
        const key = JSON.stringify(Object.entries(m.sourceLabels).sort(byKey));
        if (!seen.has(key)) seen.set(key, m.sourceLabels);
      }
    }
  };
  for (const entries of index.virtualServices.values()) entries.forEach(visit);
  for (const vs of index.delegates.values()) visit(vs);
  index.gatewayVirtualServices.forEach(visit);
  const selectors = [...seen.entries()].sort(byKey).map(([, s]) => s);
  perIndex.set(index, selectors);
  return selectors;
}

/**
 * What routing reads of a proxy's labels: which of the mesh's `sourceLabels` selectors they
 * match, one digit each ('' when no VirtualService matches on source labels). Proxies with equal
 * signatures get the same routes, whatever else their labels say.
 */
export function sourceLabelSignature(index: MeshIndex, labels: Readonly<Record<string, string>>): string {
  return selectorsOf(index)
    .map((s) => (labelsMatch(s, labels) ? '1' : '0'))
    .join('');
}
