import { PATCH_EXTENSION_PROTO_FILES } from '../../core/envoy/patch-proto-files.ts';

/**
 * Every .proto we load. Extensions are listed explicitly because resources only reference
 * them through `google.protobuf.Any`, so nothing would pull them in transitively.
 */
export const PROTO_FILES: readonly string[] = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls_spiffe_validator_config.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/clusters/aggregate/v3/cluster.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/path/match/uri_template/v3/uri_template_match.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/dynamic_forward_proxy/v3/dynamic_forward_proxy.proto',
  'envoy/extensions/clusters/dynamic_forward_proxy/v3/cluster.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/grpc_web/v3/grpc_web.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/load_balancing_policies/client_side_weighted_round_robin/v3/client_side_weighted_round_robin.proto',
  'envoy/extensions/load_balancing_policies/pick_first/v3/pick_first.proto',
  // Telemetry: tracers, the OpenTelemetry access logger and the CEL access-log filter.
  'envoy/config/trace/v3/zipkin.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/extensions/access_loggers/filters/cel/v3/cel.proto',
  'envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto',
  // What EnvoyFilter patches may add, so a patched resource encodes.
  ...PATCH_EXTENSION_PROTO_FILES,
];
