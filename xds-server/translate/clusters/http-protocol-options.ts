import { protoDuration } from '../envoy/duration.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE } from '../envoy/extension-types.ts';
import type { TrafficPolicy } from '../mesh/mesh-model.ts';

/**
 * `typed_extension_protocol_options` for a sidecar cluster: HTTP/2 for gRPC ports or
 * h2UpgradePolicy UPGRADE, the caller's protocol for useClientProtocol, and connectionPool's
 * per-connection limits; `autoSni`: the upstream TLS server name (and the certificate checked) is
 * each request's Host. Undefined when nothing differs from Envoy's HTTP/1.1 defaults.
 */
export function httpProtocolOptions(http2Port: boolean, policy: TrafficPolicy | undefined, autoSni = false): Record<string, unknown> | undefined {
  const http = policy?.connectionPool?.http;
  const tcp = policy?.connectionPool?.tcp;
  const common: Record<string, unknown> = {};
  if (http?.idleTimeout) common['idle_timeout'] = protoDuration(http.idleTimeout);
  if (http?.maxRequestsPerConnection) common['max_requests_per_connection'] = { value: http.maxRequestsPerConnection };
  if (tcp?.maxConnectionDuration) common['max_connection_duration'] = protoDuration(tcp.maxConnectionDuration);
  const h2: Record<string, unknown> = {};
  if (http?.maxConcurrentStreams) h2['max_concurrent_streams'] = { value: http.maxConcurrentStreams };
  if (http?.http2KeepAlive) {
    h2['connection_keepalive'] = {
      ...(http.http2KeepAlive.interval ? { interval: protoDuration(http.http2KeepAlive.interval) } : {}),
      ...(http.http2KeepAlive.timeout ? { timeout: protoDuration(http.http2KeepAlive.timeout) } : {}),
    };
  }
  const useHttp2 = http2Port || http?.h2UpgradePolicy === 'UPGRADE';
  const options: Record<string, unknown> = { '@type': HTTP_PROTOCOL_OPTIONS_TYPE };
  if (http?.useClientProtocol) options['use_downstream_protocol_config'] = { http_protocol_options: {}, http2_protocol_options: h2 };
  else if (useHttp2) options['explicit_http_config'] = { http2_protocol_options: h2 };
  else if (Object.keys(common).length > 0 || autoSni) options['explicit_http_config'] = { http_protocol_options: {} };
  else return undefined;
  if (Object.keys(common).length > 0) options['common_http_protocol_options'] = common;
  if (autoSni) options['upstream_http_protocol_options'] = { auto_sni: true, auto_san_validation: true };
  return { [HTTP_PROTOCOL_OPTIONS_KEY]: options };
}
