/**
 * How Trellis knows an endpoint has a sidecar that accepts mesh mTLS: its labels carry
 * `security.istio.io/tlsMode: istio` (Istio's injector label) or Trellis's own spelling.
 * The control plane adds it to the WorkloadEntry of a connected sidecar that has SDS.
 */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
export const TRELLIS_TLS_MODE_LABEL = 'security.trellis.dev/tlsMode';
export const ISTIO_TLS_MODE = 'istio';

/** The endpoint metadata key Envoy's transport_socket_matches look at. */
export const TRANSPORT_SOCKET_MATCH_KEY = 'envoy.transport_socket_match';

/** `{ tlsMode: istio }` as a google.protobuf.Struct (protobufjs names its bundled well-known types in camelCase). */
export const TLS_MODE_STRUCT = { fields: { tlsMode: { stringValue: ISTIO_TLS_MODE } } };

export function acceptsMeshMtls(labels: Readonly<Record<string, string>>): boolean {
  return labels[TLS_MODE_LABEL] === ISTIO_TLS_MODE || labels[TRELLIS_TLS_MODE_LABEL] === ISTIO_TLS_MODE;
}

/** Fields for an LbEndpoint whose workload accepts mesh mTLS, so auto mTLS picks TLS for it. */
export function endpointTlsFields(labels: Readonly<Record<string, string>>): Record<string, unknown> {
  if (!acceptsMeshMtls(labels)) return {};
  return { metadata: { filter_metadata: { [TRANSPORT_SOCKET_MATCH_KEY]: TLS_MODE_STRUCT } } };
}
