/**
 * Envoy access-log command operators a tenant may use. Envoy refuses a format with any other
 * operator, which would reject the whole listener update, so unknown ones are refused at apply.
 */
const OPERATORS = new Set([
  'START_TIME', 'REQUEST_HEADERS_BYTES', 'RESPONSE_HEADERS_BYTES', 'RESPONSE_TRAILERS_BYTES', 'BYTES_RECEIVED', 'BYTES_SENT',
  'PROTOCOL', 'UPSTREAM_PROTOCOL', 'RESPONSE_CODE', 'RESPONSE_CODE_DETAILS', 'CONNECTION_TERMINATION_DETAILS', 'RESPONSE_FLAGS', 'RESPONSE_FLAGS_LONG',
  'DURATION', 'REQUEST_DURATION', 'REQUEST_TX_DURATION', 'RESPONSE_DURATION', 'RESPONSE_TX_DURATION', 'ROUNDTRIP_DURATION',
  'UPSTREAM_HOST', 'UPSTREAM_CLUSTER', 'UPSTREAM_CLUSTER_RAW', 'UPSTREAM_LOCAL_ADDRESS', 'UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', 'UPSTREAM_LOCAL_PORT',
  'UPSTREAM_REMOTE_ADDRESS', 'UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'UPSTREAM_REMOTE_PORT', 'UPSTREAM_REQUEST_ATTEMPT_COUNT', 'UPSTREAM_TRANSPORT_FAILURE_REASON',
  'DOWNSTREAM_LOCAL_ADDRESS', 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_LOCAL_PORT', 'DOWNSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT',
  'DOWNSTREAM_REMOTE_PORT', 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS', 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_PEER_URI_SAN', 'DOWNSTREAM_LOCAL_URI_SAN',
  'DOWNSTREAM_PEER_SUBJECT', 'DOWNSTREAM_LOCAL_SUBJECT', 'DOWNSTREAM_TLS_VERSION', 'DOWNSTREAM_TLS_CIPHER', 'DOWNSTREAM_TLS_SESSION_ID', 'DOWNSTREAM_PEER_FINGERPRINT_256',
  'DOWNSTREAM_PEER_SERIAL', 'DOWNSTREAM_PEER_ISSUER', 'UPSTREAM_PEER_URI_SAN', 'UPSTREAM_PEER_SUBJECT', 'UPSTREAM_TLS_VERSION',
  'REQUESTED_SERVER_NAME', 'ROUTE_NAME', 'CONNECTION_ID', 'STREAM_ID', 'HOSTNAME', 'UNIQUE_ID', 'TRACE_ID', 'VIRTUAL_CLUSTER_NAME',
  'REQ', 'RESP', 'TRAILER', 'REQ_WITHOUT_QUERY', 'DYNAMIC_METADATA', 'FILTER_STATE', 'UPSTREAM_FILTER_STATE', 'CEL', 'METADATA', 'ENVIRONMENT',
]);
// `%%` is a literal percent sign; matched in the same pass so `%A%%B%` stays two operators.
const TOKEN = /%%|%([A-Z][A-Z0-9_]*)(\([^()]*\))?(:\d{1,4})?%/g;

/** What is wrong with an access-log format string, or undefined when Envoy will take it. */
export function accessLogFormatProblem(text: string): string | undefined {
  let unknown: string | undefined;
  const rest = text.replace(TOKEN, (whole, name: string | undefined) => {
    if (whole !== '%%' && name !== undefined && !OPERATORS.has(name)) unknown ??= name;
    return '';
  });
  if (unknown !== undefined) return `%${unknown}% is not an Envoy access-log command operator Trellis allows`;
  if (rest.includes('%')) return 'a lone "%" must be written "%%"; command operators are written %NAME%, %NAME(ARG)% or %NAME(ARG):LENGTH%';
  return undefined;
}
