import type { TranslationIssue } from '../translation-result.ts';
import { hasSelector, isRootNamespace, type WorkloadRef } from './policy-scope.ts';
import type { PeerAuthenticationEntry } from './security-policies.ts';
import { labelsMatch } from '../mesh/labels-match.ts';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** What applies when no PeerAuthentication says otherwise (Istio's default). */
export const DEFAULT_MTLS_MODE: MtlsMode = 'PERMISSIVE';

export interface EffectiveMtls {
  mode: MtlsMode;
  /** The PeerAuthentication that decided, if any. */
  source: string | undefined;
}

/** Istio keeps the oldest of several policies at one level; Trellis keeps the first by name and reports the rest. */
function single(candidates: PeerAuthenticationEntry[], level: string, issues: TranslationIssue[]): PeerAuthenticationEntry | undefined {
  const [first, ...rest] = candidates;
  for (const extra of rest) {
    issues.push({ resource: extra.source, field: 'spec', message: `another ${level} PeerAuthentication (${first?.source}) applies to the same workloads; ignored` });
  }
  return first;
}

/**
 * The mTLS mode of the workload's port `port`: workload policy (port level first), then the
 * namespace's, then the mesh-wide one in the root namespace; UNSET defers to the next one out.
 */
export function effectiveMtls(policies: readonly PeerAuthenticationEntry[], workload: WorkloadRef, port: number, issues: TranslationIssue[]): EffectiveMtls {
  const mesh = single(policies.filter((p) => isRootNamespace(p.namespace) && !hasSelector(p)), 'mesh-wide', issues);
  const namespace = isRootNamespace(workload.namespace)
    ? undefined
    : single(policies.filter((p) => p.namespace === workload.namespace && !hasSelector(p)), 'namespace-wide', issues);
  const selected = single(
    policies.filter((p) => p.namespace === workload.namespace && hasSelector(p) && labelsMatch(p.spec.selector?.matchLabels, workload.labels)),
    'workload',
    issues,
  );
  let effective: EffectiveMtls = { mode: DEFAULT_MTLS_MODE, source: undefined };
  const apply = (mode: string | undefined, source: string) => {
    if (mode && mode !== 'UNSET') effective = { mode: mode as MtlsMode, source };
  };
  for (const level of [mesh, namespace, selected]) if (level) apply(level.spec.mtls?.mode, level.source);
  if (selected) apply(selected.spec.portLevelMtls?.[String(port)]?.mode, selected.source);
  return effective;
}
