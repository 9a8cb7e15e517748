import { adsConfigSource } from '../envoy/ads-config-source.ts';
import { UPSTREAM_TLS_CONTEXT_TYPE } from '../envoy/extension-types.ts';
import { caSecretName, credentialSecretName } from '../gateway/gateway-credential.ts';
import type { TrafficPolicy } from '../mesh/mesh-model.ts';

type ClientTls = NonNullable<TrafficPolicy['tls']>;

/** Where Envoy finds public roots when a SIMPLE/MUTUAL policy names no caCertificates (Debian/Ubuntu/Alpine path). */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface TransportSocketTarget {
  /** The service host: the default SNI. */
  host: string;
  /** Gateways: the namespace whose uploaded credentials `credentialName` names (the proxy's, as in Istio). */
  credentialNamespace?: string;
}

const adsSecret = (name: string) => ({ name, sds_config: adsConfigSource() });

function validationContext(tls: ClientTls): Record<string, unknown> | undefined {
  if (tls.insecureSkipVerify) return undefined;
  const context: Record<string, unknown> = { trusted_ca: { filename: tls.caCertificates ?? SYSTEM_CA_BUNDLE } };
  if (tls.subjectAltNames?.length) {
    context['match_typed_subject_alt_names'] = tls.subjectAltNames.flatMap((san) => [
      { san_type: 'DNS', matcher: { exact: san } },
      { san_type: 'URI', matcher: { exact: san } },
    ]);
  }
  if (tls.caCrl) context['crl'] = { filename: tls.caCrl };
  return context;
}

/** `credentialName`: the client certificate (MUTUAL) and the server's CA from the uploaded credential, over SDS; SAN checks stay inline. */
function credentialTls(tls: ClientTls & { credentialName: string }, namespace: string): Record<string, unknown> {
  const common: Record<string, unknown> = {};
  if (tls.mode === 'MUTUAL') common['tls_certificate_sds_secret_configs'] = [adsSecret(credentialSecretName(namespace, tls.credentialName))];
  if (!tls.insecureSkipVerify) {
    const checks = validationContext({ ...tls, caCertificates: undefined, caCrl: undefined }) ?? {};
    delete checks['trusted_ca'];
    common['combined_validation_context'] = { default_validation_context: checks, validation_context_sds_secret_config: adsSecret(caSecretName(namespace, tls.credentialName)) };
  }
  return common;
}

function fileTls(tls: ClientTls, target: TransportSocketTarget): Record<string, unknown> {
  let common: Record<string, unknown> = {};
  if (tls.credentialName !== undefined && target.credentialNamespace !== undefined) {
    common = credentialTls({ ...tls, credentialName: tls.credentialName }, target.credentialNamespace);
  } else {
    const validation = validationContext(tls);
    if (validation) common['validation_context'] = validation;
    if (tls.mode === 'MUTUAL') {
      common['tls_certificates'] = [{ certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } }];
    }
  }
  // An address or a wildcard names no server: the caller's Host (auto_sni) or nothing.
  const sni = tls.sni ?? (/^[0-9.]+$|:/.test(target.host) || target.host.includes('*') ? undefined : target.host);
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': UPSTREAM_TLS_CONTEXT_TYPE, ...(sni ? { sni } : {}), common_tls_context: common },
  };
}

/**
 * The one place a cluster's `transport_socket` for TLS origination is built from DestinationRule
 * `tls` (SIMPLE, MUTUAL with file paths, or with an uploaded credential on gateways). ISTIO_MUTUAL and auto mTLS (no `tls`) are mesh mTLS
 * over SDS: security/outbound-tls.ts adds those fields to the same cluster.
 */
export function upstreamTransportSocket(tls: ClientTls | undefined, target: TransportSocketTarget): Record<string, unknown> | undefined {
  if (tls?.mode !== 'SIMPLE' && tls?.mode !== 'MUTUAL') return undefined;
  return fileTls(tls, target);
}
