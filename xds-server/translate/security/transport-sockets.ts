import { UPSTREAM_TLS_CONTEXT_TYPE } from '../envoy/extension-types.ts';
import { DOWNSTREAM_TLS_CONTEXT_TYPE } from './security-types.ts';
import { ROOT_CA_SECRET_NAME, WORKLOAD_SECRET_NAME, sdsSecretConfig } from './sds.ts';
import { uriSanMatchers } from './spiffe-matchers.ts';

const TLS_SOCKET_NAME = 'envoy.transport_sockets.tls';

/** Workload certificate and trust bundle over SDS, peers checked by their SPIFFE URI SAN. */
function meshTlsContext(trustDomain: string, peerIds: readonly string[]): Record<string, unknown> {
  return {
    tls_certificate_sds_secret_configs: [sdsSecretConfig(WORKLOAD_SECRET_NAME)],
    combined_validation_context: {
      default_validation_context: { match_typed_subject_alt_names: uriSanMatchers(trustDomain, peerIds) },
      validation_context_sds_secret_config: sdsSecretConfig(ROOT_CA_SECRET_NAME),
    },
  };
}

/**
 * Inbound mTLS: a client certificate is required and must carry a SPIFFE ID of this trust
 * domain (one CA may sign for several meshes, so chaining to the root is not enough).
 */
export function downstreamMtlsSocket(trustDomain: string): Record<string, unknown> {
  return {
    name: TLS_SOCKET_NAME,
    typed_config: {
      '@type': DOWNSTREAM_TLS_CONTEXT_TYPE,
      require_client_certificate: { value: true },
      common_tls_context: { ...meshTlsContext(trustDomain, []), alpn_protocols: ['h2', 'http/1.1'] },
    },
  };
}

/** Outbound mTLS to a mesh workload: present our certificate, accept only `peerIds` (or the trust domain when unknown). */
export function upstreamMtlsSocket(trustDomain: string, peerIds: readonly string[], sni: string): Record<string, unknown> {
  return {
    name: TLS_SOCKET_NAME,
    typed_config: { '@type': UPSTREAM_TLS_CONTEXT_TYPE, sni, common_tls_context: meshTlsContext(trustDomain, peerIds) },
  };
}
