import { labelsMatch } from '../mesh/labels-match.ts';
import type { PolicyEntry } from './security-policies.ts';

/**
 * Namespaces whose selector-less policies apply mesh-wide (Istio's root namespace). Trellis
 * has no installation namespace of its own, so both spellings tenants bring are honoured.
 */
export const ROOT_NAMESPACES: readonly string[] = ['trellis-system', 'istio-system'];

export const isRootNamespace = (namespace: string) => ROOT_NAMESPACES.includes(namespace);

/** The workload a policy is evaluated for. */
export interface WorkloadRef {
  namespace: string;
  labels: Readonly<Record<string, string>>;
}

type Selectable = PolicyEntry<{ selector?: { matchLabels?: Record<string, string> | undefined } | undefined }>;

const selectorOf = (entry: Selectable) => entry.spec.selector?.matchLabels ?? {};

/** Whether the policy has a non-empty workload selector. */
export const hasSelector = (entry: Selectable) => Object.keys(selectorOf(entry)).length > 0;

/**
 * AuthorizationPolicy and RequestAuthentication scope: policies of the root namespace apply in
 * every namespace, others in their own; a selector narrows either to the workloads it matches.
 */
export function appliesToWorkload(entry: Selectable, workload: WorkloadRef): boolean {
  if (entry.namespace !== workload.namespace && !isRootNamespace(entry.namespace)) return false;
  return labelsMatch(selectorOf(entry), workload.labels);
}
