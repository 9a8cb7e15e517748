import type { MeshService, TrafficPolicy } from '../mesh/mesh-model.ts';
import type { TranslationIssue } from '../translation-result.ts';
import { spiffeId } from './spiffe-matchers.ts';
import { TLS_MODE_STRUCT } from './tls-mode.ts';
import { upstreamMtlsSocket } from './transport-sockets.ts';

/** What outbound mTLS needs about the calling proxy and its mesh. */
export interface OutboundMtls {
  trustDomain: string;
  /** The proxy has the workload certificate over SDS; without it no mesh TLS is possible. */
  workloadCertificate: boolean;
}

export interface ClusterTlsInput {
  service: MeshService;
  port: number;
  subset: string;
  /** Traffic policies for this port, innermost (subset) first; the first with `tls` decides. */
  policies: readonly (TrafficPolicy | undefined)[];
  /** The DestinationRule, for issues. */
  ruleSource: string | undefined;
}

/** Istio's SNI for mesh mTLS: `outbound_.<port>_.<subset>_.<host>`. */
export const meshSni = (port: number, subset: string, host: string) => `outbound_.${port}_.${subset}_.${host}`;

/**
 * The identities the destination may present: the ServiceEntry's subjectAltNames, else the
 * service accounts of its endpoints; empty (any identity of the trust domain) when an endpoint
 * has none, since its certificate could name any account.
 */
function destinationIds(service: MeshService, trustDomain: string): string[] {
  if (service.subjectAltNames && service.subjectAltNames.length > 0) return [...service.subjectAltNames];
  const accounts = service.endpoints.map((e) => e.serviceAccount);
  if (accounts.length === 0 || accounts.some((a) => !a)) return [];
  return accounts.map((a) => spiffeId(trustDomain, service.namespace, a ?? ''));
}

/**
 * Cluster fields for mesh mTLS: ISTIO_MUTUAL forces it for every endpoint; with no TLS setting
 * (auto mTLS), MESH_INTERNAL services use it for endpoints labelled as having a sidecar and
 * plaintext for the rest; DISABLE turns it off. SIMPLE and MUTUAL belong to DestinationRule TLS
 * origination and get nothing here.
 */
export function meshTlsClusterFields(input: ClusterTlsInput, mtls: OutboundMtls | undefined, issues: TranslationIssue[]): Record<string, unknown> {
  if (!mtls) return {};
  const { service, port, subset } = input;
  const tls = input.policies.find((p) => p?.tls)?.tls;
  const mode = tls?.mode;
  if (mode === 'DISABLE' || mode === 'SIMPLE' || mode === 'MUTUAL') return {};
  if (mode === undefined && service.location !== 'MESH_INTERNAL') return {};
  if (!mtls.workloadCertificate) {
    if (mode === 'ISTIO_MUTUAL') {
      issues.push({ resource: input.ruleSource ?? service.source, field: 'spec.trafficPolicy.tls.mode', message: 'ISTIO_MUTUAL needs a workload certificate over SDS, which this proxy has not; plaintext used' });
    }
    return {};
  }
  const ids = tls?.subjectAltNames && tls.subjectAltNames.length > 0 ? [...tls.subjectAltNames] : destinationIds(service, mtls.trustDomain);
  const socket = upstreamMtlsSocket(mtls.trustDomain, ids, tls?.sni ?? meshSni(port, subset, service.host));
  if (mode === 'ISTIO_MUTUAL') return { transport_socket: socket };
  return { transport_socket_matches: [{ name: 'tlsMode-istio', match: TLS_MODE_STRUCT, transport_socket: socket }] };
}
