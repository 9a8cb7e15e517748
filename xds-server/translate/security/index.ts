export { inboundSecurity, type InboundSecurity } from './inbound-security.ts';
export { meshTlsClusterFields, type OutboundMtls } from './outbound-tls.ts';
export { endpointTlsFields, acceptsMeshMtls, TLS_MODE_LABEL, TRELLIS_TLS_MODE_LABEL, ISTIO_TLS_MODE } from './tls-mode.ts';
export { trustDomainOf } from './trust-domain.ts';
export { ROOT_NAMESPACES } from './policy-scope.ts';
export { SDS_CLUSTER_NAME, WORKLOAD_SECRET_NAME, ROOT_CA_SECRET_NAME } from './sds.ts';
export type { SecurityPolicies } from './security-policies.ts';
