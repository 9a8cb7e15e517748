import type { MeshIndex } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { Named, TranslationIssue } from '../translation-result.ts';
import { inboundMtlsFields } from './inbound-tls.ts';
import { jwtAuthn } from './jwt-authn.ts';
import { extAuthz } from './ext-authz.ts';
import { effectiveMtls } from './peer-authentication.ts';
import { appliesToWorkload } from './policy-scope.ts';
import { rbacFilters } from './rbac-filters.ts';
import { trustDomainOf } from './trust-domain.ts';

type Obj = Record<string, unknown>;

/** What the security policies add to a sidecar's inbound listener. */
export interface InboundSecurity {
  /** False when the listener must not be served at all (STRICT without a workload certificate). */
  serve: boolean;
  /** HTTP filters before the router: jwt_authn, then CUSTOM (shadow RBAC and ext_authz), RBAC DENY, RBAC ALLOW. */
  httpFilters: Obj[];
  /** Extra HttpConnectionManager fields. */
  hcmFields: Obj;
  /** The listener's filter chains (and listener filters) built around its plaintext chain. */
  listenerFields(chain: Obj): Obj;
  /** Clusters the filters need (remote JWKS hosts, an authorizer outside the registry). */
  clusters: Named[];
}

/** PeerAuthentication, RequestAuthentication and AuthorizationPolicy for the proxy's inbound port. */
export function inboundSecurity(index: MeshIndex, proxy: ProxyDescriptor, port: number, issues: TranslationIssue[]): InboundSecurity {
  const workload = { namespace: proxy.namespace, labels: proxy.labels };
  const trustDomain = trustDomainOf(index);
  const { security } = index;
  const jwt = jwtAuthn(security.requestAuthentications.filter((e) => appliesToWorkload(e, workload)), issues);
  const policies = security.authorizationPolicies.filter((e) => appliesToWorkload(e, workload));
  const rbacContext = { trustDomain, appPort: port };
  const custom = extAuthz(index, proxy, policies, rbacContext, issues);
  const rbac = rbacFilters(policies, rbacContext, issues);
  const httpFilters = [...(jwt.filter ? [jwt.filter] : []), ...custom.filters, ...rbac];
  const clusters = [...jwt.clusters, ...custom.clusters];
  const { mode, source } = effectiveMtls(security.peerAuthentications, workload, port, issues);
  if (!proxy.sds) {
    // Without a certificate only plaintext is possible: fine unless STRICT, which then fails closed.
    if (mode === 'STRICT') {
      issues.push({ resource: source ?? 'PeerAuthentication', field: 'spec.mtls.mode', message: `STRICT needs a workload certificate over SDS; ${proxy.namespace}/${proxy.workload} has none, so its inbound listener is not served` });
    }
    return { serve: mode !== 'STRICT', httpFilters, hcmFields: {}, listenerFields: (chain) => ({ filter_chains: [chain] }), clusters };
  }
  return {
    serve: true,
    httpFilters,
    // The app sees the caller's SPIFFE ID in x-forwarded-client-cert; a header a client sent itself is dropped.
    hcmFields: { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { uri: true } },
    listenerFields: (chain) => inboundMtlsFields(mode, chain, trustDomain, port),
    clusters,
  };
}
