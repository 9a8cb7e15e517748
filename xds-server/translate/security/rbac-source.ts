import type { SpecOf } from '../../../core/resources/index.ts';
import { cidrRange, meshTrustDomain, namespaceMatcher, principalMatcher } from './istio-patterns.ts';
import { requestPrincipalMatcher } from './jwt-claims.ts';
import type { RbacContext } from './rbac-context.ts';
import { andIds, PRINCIPAL_SET, valuesAndNot, type Rbac } from './rbac-sets.ts';
import { spiffeId } from './spiffe-matchers.ts';

type Rule = NonNullable<SpecOf['AuthorizationPolicy']['rules']>[number];
export type Source = NonNullable<NonNullable<Rule['from']>[number]['source']>;

const authenticated = (matcher: Record<string, unknown>): Rbac => ({ authenticated: { principal_name: matcher } });

/** `<namespace>/<service account>` as the peer's SPIFFE ID in this mesh. */
export function serviceAccountPrincipal(value: string, ctx: RbacContext): Rbac {
  const [namespace = '', account = ''] = value.split('/');
  return authenticated({ exact: spiffeId(ctx.trustDomain, namespace, account) });
}

export const principalId = (value: string, ctx: RbacContext): Rbac => authenticated(principalMatcher(value, ctx.trustDomain));
export const namespaceId = (value: string): Rbac => authenticated(namespaceMatcher(value));
export const trustDomainId = (value: string, ctx: RbacContext): Rbac =>
  authenticated(value === '*' ? { safe_regex: { regex: '.+' } } : { prefix: `spiffe://${meshTrustDomain(value, ctx.trustDomain)}/` });

/** One `from.source`: every field set must match (a field matches when any of its values does and none of its notValues). */
export function sourcePrincipal(source: Source, ctx: RbacContext, field: string): Rbac {
  const s = source;
  return andIds([
    ...valuesAndNot(s.principals, s.notPrincipals, (v) => principalId(v, ctx), PRINCIPAL_SET),
    ...valuesAndNot(s.serviceAccounts, s.notServiceAccounts, (v) => serviceAccountPrincipal(v, ctx), PRINCIPAL_SET),
    ...valuesAndNot(s.namespaces, s.notNamespaces, namespaceId, PRINCIPAL_SET),
    ...valuesAndNot(s.trustDomains, s.notTrustDomains, (v) => trustDomainId(v, ctx), PRINCIPAL_SET),
    ...valuesAndNot(s.ipBlocks, s.notIpBlocks, (v) => ({ direct_remote_ip: cidrRange(v) }), PRINCIPAL_SET),
    ...valuesAndNot(s.remoteIpBlocks, s.notRemoteIpBlocks, (v) => ({ remote_ip: cidrRange(v) }), PRINCIPAL_SET),
    ...valuesAndNot(s.requestPrincipals, s.notRequestPrincipals, (v) => requestPrincipalMatcher(v, `${field}.requestPrincipals`), PRINCIPAL_SET),
  ]);
}
