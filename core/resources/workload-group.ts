import type { WorkloadGroupSpec } from './schemas/workload-group.ts';

type Labels = Readonly<Record<string, string>>;

/**
 * The labels a WorkloadGroup fixes for its members: `template.labels` and `metadata.labels`
 * (Istio's place for them), `metadata.labels` winning where both set a key, as in Istio.
 */
export function groupLabels(spec: Pick<WorkloadGroupSpec, 'metadata' | 'template'>): Record<string, string> {
  return Object.fromEntries([...Object.entries(spec.template.labels ?? {}), ...Object.entries(spec.metadata?.labels ?? {})]);
}

/**
 * The labels a member of the group is registered (and so selected) with: the group's labels,
 * plus the proxy's own claimed labels only for keys the group leaves open. Claimed labels never
 * override the group's, unlike Istio, so a proxy cannot label itself into another service.
 */
export function memberLabels(spec: Pick<WorkloadGroupSpec, 'metadata' | 'template'>, claimed: Labels): Record<string, string> {
  const fixed = groupLabels(spec);
  const open = Object.entries(claimed).filter(([key]) => !Object.hasOwn(fixed, key));
  // fromEntries defines own properties, so a claimed `__proto__` key stays an ordinary label.
  return Object.fromEntries([...Object.entries(fixed), ...open]);
}

/**
 * Whether a label selector can pick some member of the group: every selector label is either
 * fixed by the group to the same value or left open for a member to claim.
 */
export function selectorCanPickMember(selector: Labels, spec: Pick<WorkloadGroupSpec, 'metadata' | 'template'>): boolean {
  const fixed = groupLabels(spec);
  return Object.entries(selector).every(([key, value]) => !Object.hasOwn(fixed, key) || fixed[key] === value);
}
