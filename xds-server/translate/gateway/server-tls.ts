import { adsConfigSource } from '../envoy/ads-config-source.ts';
import { DOWNSTREAM_TLS_CONTEXT_TYPE } from '../security/security-types.ts';
import { ROOT_CA_SECRET_NAME, WORKLOAD_SECRET_NAME, sdsSecretConfig } from '../security/sds.ts';
import { trustDomainPrefix } from '../security/spiffe-matchers.ts';
import type { GatewayServer } from './gateway-selection.ts';
import { caSecretName, credentialSecretName, type GatewayCredential } from './gateway-credential.ts';

type Obj = Record<string, unknown>;
type Tls = NonNullable<GatewayServer['server']['tls']>;

export interface ServerTlsInput {
  /** The gateway proxy's namespace: credentialName is looked up there, as Istio does. */
  namespace: string;
  trustDomain: string;
  /** The proxy has the mesh certificate over SDS (`sds-grpc`). */
  sds: boolean;
  credentials: ReadonlyMap<string, GatewayCredential>;
}

/** A DownstreamTlsContext transport socket, and the uploaded credentials it references; or why the server cannot terminate TLS. */
export type ServerTls = { socket: Obj; secrets: string[] } | { problem: string; field: string };

const TLS_VERSIONS: Record<string, string> = { TLS_AUTO: 'TLS_AUTO', TLSV1_0: 'TLSv1_0', TLSV1_1: 'TLSv1_1', TLSV1_2: 'TLSv1_2', TLSV1_3: 'TLSv1_3' };

const adsSecret = (name: string) => ({ name, sds_config: adsConfigSource() });

function tlsParams(tls: Tls): Obj | undefined {
  const params: Obj = {};
  if (tls.minProtocolVersion) params['tls_minimum_protocol_version'] = TLS_VERSIONS[tls.minProtocolVersion];
  if (tls.maxProtocolVersion) params['tls_maximum_protocol_version'] = TLS_VERSIONS[tls.maxProtocolVersion];
  if (tls.cipherSuites?.length) params['cipher_suites'] = [...tls.cipherSuites];
  return Object.keys(params).length > 0 ? params : undefined;
}

/** Client checks beyond the CA: SANs (URI when it has a scheme, else DNS), SPKI and certificate hashes. */
function clientChecks(tls: Tls): Obj {
  const checks: Obj = {};
  if (tls.subjectAltNames?.length) {
    checks['match_typed_subject_alt_names'] = tls.subjectAltNames.map((san) => ({ san_type: san.includes('://') ? 'URI' : 'DNS', matcher: { exact: san } }));
  }
  if (tls.verifyCertificateSpki?.length) checks['verify_certificate_spki'] = [...tls.verifyCertificateSpki];
  if (tls.verifyCertificateHash?.length) checks['verify_certificate_hash'] = [...tls.verifyCertificateHash];
  if (tls.caCrl) checks['crl'] = { filename: tls.caCrl };
  return checks;
}

/** ISTIO_MUTUAL: the gateway's mesh certificate; clients must present a mesh certificate (of the trust domain, or the listed SANs). */
function istioMutual(tls: Tls, input: ServerTlsInput): Obj {
  const sans = tls.subjectAltNames?.length ? tls.subjectAltNames.map((s) => ({ san_type: 'URI', matcher: { exact: s } })) : [{ san_type: 'URI', matcher: { prefix: trustDomainPrefix(input.trustDomain) } }];
  return {
    require_client_certificate: { value: true },
    common_tls_context: {
      tls_certificate_sds_secret_configs: [sdsSecretConfig(WORKLOAD_SECRET_NAME)],
      combined_validation_context: { default_validation_context: { match_typed_subject_alt_names: sans }, validation_context_sds_secret_config: sdsSecretConfig(ROOT_CA_SECRET_NAME) },
    },
  };
}

/** SIMPLE, MUTUAL and OPTIONAL_MUTUAL from uploaded credentials (credentialName(s), caCertCredentialName) or files on the proxy. */
function fromCertificates(tls: Tls, mode: string, input: ServerTlsInput): { context: Obj; secrets: string[] } | { problem: string; field: string } {
  const names = tls.credentialNames ?? (tls.credentialName ? [tls.credentialName] : []);
  const secrets: string[] = [];
  const common: Obj = {};
  for (const [i, name] of names.entries()) {
    if (!input.credentials.has(credentialSecretName(input.namespace, name))) {
      return { problem: `no credential ${input.namespace}/${name} was uploaded (PUT /v1/meshes/{mesh}/credentials/${input.namespace}/${name}); server not served`, field: tls.credentialNames ? `credentialNames[${i}]` : 'credentialName' };
    }
    secrets.push(credentialSecretName(input.namespace, name));
  }
  if (secrets.length > 0) common['tls_certificate_sds_secret_configs'] = secrets.map(adsSecret);
  else if (tls.tlsCertificates?.length) common['tls_certificates'] = tls.tlsCertificates.map((c) => ({ certificate_chain: { filename: c.serverCertificate }, private_key: { filename: c.privateKey } }));
  else common['tls_certificates'] = [{ certificate_chain: { filename: tls.serverCertificate }, private_key: { filename: tls.privateKey } }];
  const params = tlsParams(tls);
  if (params) common['tls_params'] = params;
  if (mode === 'SIMPLE') return { context: { common_tls_context: common }, secrets };

  const checks = clientChecks(tls);
  const caName = tls.caCertCredentialName ?? (names.length > 0 ? names[0] : undefined);
  if (caName !== undefined) {
    const ca = input.credentials.get(credentialSecretName(input.namespace, caName));
    if (!ca?.caCertificates) {
      return { problem: `${mode} needs client CA certificates: credential ${input.namespace}/${caName} has no caCertificates; server not served`, field: tls.caCertCredentialName ? 'caCertCredentialName' : 'credentialName' };
    }
    secrets.push(caSecretName(input.namespace, caName));
    common['combined_validation_context'] = { default_validation_context: checks, validation_context_sds_secret_config: adsSecret(caSecretName(input.namespace, caName)) };
  } else {
    common['validation_context'] = { trusted_ca: { filename: tls.caCertificates }, ...checks };
  }
  return { context: { require_client_certificate: { value: mode === 'MUTUAL' }, common_tls_context: common }, secrets: [...new Set(secrets)] };
}

/** The TLS a server terminates (modes SIMPLE, MUTUAL, OPTIONAL_MUTUAL, ISTIO_MUTUAL); `alpn` for HTTPS. */
export function serverTls(tls: Tls, input: ServerTlsInput, alpn: readonly string[]): ServerTls {
  const mode = tls.mode ?? 'PASSTHROUGH';
  let context: Obj;
  let secrets: string[] = [];
  if (mode === 'ISTIO_MUTUAL') {
    if (!input.sds) return { problem: 'ISTIO_MUTUAL needs the mesh certificate: run the gateway with trellis-agent (SDS); server not served', field: 'mode' };
    context = istioMutual(tls, input);
  } else {
    const built = fromCertificates(tls, mode, input);
    if ('problem' in built) return built;
    context = built.context;
    secrets = built.secrets;
  }
  if (alpn.length > 0) context['common_tls_context'] = { ...(context['common_tls_context'] as Obj), alpn_protocols: [...alpn] };
  return { socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS_CONTEXT_TYPE, ...context } }, secrets };
}
