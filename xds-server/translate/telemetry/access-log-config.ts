import type { LogFormat } from '../../../core/mesh/telemetry-providers.ts';
import type { AccessLogSink } from './resolve-telemetry.ts';
import type { TelemetryBackend } from './telemetry-backend.ts';

/** Istio's default text access-log format (MeshConfig accessLogFormat unset). */
export const DEFAULT_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ' +
  '"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ' +
  '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** Istio's default JSON access-log entry (`labels: {}`). */
export const DEFAULT_JSON_LABELS: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  route_name: '%ROUTE_NAME%',
};

const FILE_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const OTEL_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig';
/** Istio's log name for envoyOtelAls without `logName`. */
export const DEFAULT_OTEL_LOG_NAME = 'otel_envoy_accesslog';
const CEL_FILTER_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter';

function fileFormat(format: LogFormat | undefined): Record<string, unknown> {
  if (format?.labels !== undefined) {
    const labels = Object.keys(format.labels).length > 0 ? format.labels : DEFAULT_JSON_LABELS;
    // A google.protobuf.Struct in the form the encoder takes (fields of typed values), not plain JSON.
    return { json_format: { fields: Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, { stringValue: value }])) } };
  }
  return { text_format_source: { inline_string: format?.text ?? DEFAULT_TEXT_FORMAT } };
}

/**
 * The body and attributes of an OpenTelemetry log record, as Istio builds them: the text format
 * (Istio's default without one) as the body; JSON labels as attributes, the body then left out.
 */
function otelRecord(format: LogFormat | undefined): Record<string, unknown> {
  if (format?.labels !== undefined && Object.keys(format.labels).length > 0) {
    return { attributes: { values: Object.entries(format.labels).map(([key, value]) => ({ key, value: { string_value: value } })) } };
  }
  return { body: { string_value: format?.text ?? DEFAULT_TEXT_FORMAT } };
}

/**
 * The Envoy access logger of a sink: a file logger, or OpenTelemetry's over OTLP/gRPC to
 * `backend` (resolved by the caller; without it an OTel sink gives no logger).
 */
export function accessLogConfig(sink: AccessLogSink, backend?: TelemetryBackend): Record<string, unknown> | undefined {
  const filter = sink.filter !== undefined ? { filter: { extension_filter: { name: 'envoy.access_loggers.extension_filters.cel', typed_config: { '@type': CEL_FILTER_TYPE, expression: sink.filter } } } } : {};
  const p = sink.provider;
  if (p.envoyFileAccessLog) {
    return { name: 'envoy.access_loggers.file', ...filter, typed_config: { '@type': FILE_TYPE, path: p.envoyFileAccessLog.path, log_format: fileFormat(p.envoyFileAccessLog.logFormat) } };
  }
  if (p.envoyOtelAls && backend) {
    const als = p.envoyOtelAls;
    return {
      name: 'envoy.access_loggers.open_telemetry',
      ...filter,
      typed_config: {
        '@type': OTEL_TYPE,
        common_config: { log_name: als.logName ?? DEFAULT_OTEL_LOG_NAME, grpc_service: { envoy_grpc: { cluster_name: backend.cluster, authority: backend.host } }, transport_api_version: 'V3' },
        ...otelRecord(als.logFormat),
      },
    };
  }
  return undefined;
}
