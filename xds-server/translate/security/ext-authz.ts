import type { MeshIndex } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { Named, TranslationIssue } from '../translation-result.ts';
import { EXT_AUTHZ_POLICY_PREFIX, EXT_AUTHZ_SHADOW_PREFIX, extAuthzFilter } from './ext-authz-filter.ts';
import { extAuthzTarget } from './ext-authz-provider.ts';
import type { RbacContext } from './rbac-context.ts';
import { policiesOf, rbacFilter } from './rbac-filters.ts';
import { RBAC_FILTER_NAME, RBAC_TYPE } from './security-types.ts';
import type { AuthorizationPolicyEntry } from './security-policies.ts';

export interface ExtAuthz {
  /** The shadow RBAC filter marking requests a CUSTOM rule matches, then ext_authz checking only those. */
  filters: Record<string, unknown>[];
  /** The authorizer's own cluster when it is not a mesh service. */
  clusters: Named[];
}

const NONE: ExtAuthz = { filters: [], clusters: [] };

/**
 * CUSTOM AuthorizationPolicies of one workload. Matching requests are sent to the provider of
 * the mesh's extensionProviders; a provider that is missing, unreachable, or not the only one
 * the workload's CUSTOM policies name fails closed: their matching requests are denied.
 */
export function extAuthz(index: MeshIndex, proxy: ProxyDescriptor, entries: readonly AuthorizationPolicyEntry[], ctx: RbacContext, issues: TranslationIssue[]): ExtAuthz {
  const custom = entries.filter((e) => e.spec.action === 'CUSTOM' && !e.spec.targetRef && !e.spec.targetRefs);
  if (custom.length === 0) return NONE;
  const failClosed = (message: string): ExtAuthz => {
    for (const e of custom) issues.push({ resource: e.source, field: 'spec.provider.name', message: `${message}; requests this policy matches are denied` });
    const policies = policiesOf(custom, 'CUSTOM', ctx, [], EXT_AUTHZ_POLICY_PREFIX);
    return { filters: Object.keys(policies).length > 0 ? [rbacFilter('DENY', policies)] : [], clusters: [] };
  };
  const names = [...new Set(custom.map((e) => e.spec.provider?.name ?? ''))];
  // Istio's limit: one ext_authz filter, so one provider, per workload.
  if (names.length > 1) return failClosed(`the CUSTOM policies of ${proxy.namespace}/${proxy.workload} name ${names.length} providers (${names.join(', ')}); a workload may use only one`);
  const name = names[0]!;
  const provider = index.settings.extensionProviders?.find((p) => p.name === name);
  if (!provider) return failClosed(`provider "${name}" is not one of the mesh's extensionProviders`);
  if (!provider.envoyExtAuthzHttp && !provider.envoyExtAuthzGrpc) return failClosed(`provider "${name}" is not an authorizer (envoyExtAuthzHttp or envoyExtAuthzGrpc)`);
  const target = extAuthzTarget(index, proxy, provider);
  if (typeof target === 'string') return failClosed(`provider "${name}": ${target}`);
  if (target.warning) for (const e of custom) issues.push({ resource: e.source, field: 'spec.provider.name', message: `provider "${name}": ${target.warning}` });
  const policies = policiesOf(custom, 'CUSTOM', ctx, issues, EXT_AUTHZ_POLICY_PREFIX);
  if (Object.keys(policies).length === 0) return NONE;
  // DENY shadow rules: a matching request is "denied" in the shadow, which records the policy's name; nothing is enforced.
  const shadow = { name: RBAC_FILTER_NAME, typed_config: { '@type': RBAC_TYPE, shadow_rules: { action: 'DENY', policies }, shadow_rules_stat_prefix: EXT_AUTHZ_SHADOW_PREFIX } };
  return { filters: [shadow, extAuthzFilter(target)], clusters: target.ownCluster ? [target.ownCluster] : [] };
}
