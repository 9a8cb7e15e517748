import { protoDuration } from '../envoy/duration.ts';
import type { TracingSettings } from './resolve-telemetry.ts';
import type { TelemetryBackend } from './telemetry-backend.ts';

const ZIPKIN_TYPE = 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig';
const OTEL_TYPE = 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig';

/** Istio's canonical service of a workload, from its labels (shared by every proxy of the group). */
function canonicalService(labels: Readonly<Record<string, string>>, namespace: string): string {
  const name = labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels['app'] ?? 'unknown';
  return `${name}.${namespace}`;
}

function customTags(settings: TracingSettings): Record<string, unknown>[] {
  return Object.entries(settings.customTags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([tag, source]) => {
      if (source.literal) return { tag, literal: { value: source.literal.value } };
      if (source.environment) return { tag, environment: { name: source.environment.name, ...(source.environment.defaultValue !== undefined ? { default_value: source.environment.defaultValue } : {}) } };
      const header = source.header!;
      return { tag, request_header: { name: header.name, ...(header.defaultValue !== undefined ? { default_value: header.defaultValue } : {}) } };
    });
}

function provider(settings: TracingSettings, backend: TelemetryBackend, labels: Readonly<Record<string, string>>, namespace: string): Record<string, unknown> {
  const p = settings.provider;
  if (p.zipkin) {
    return {
      name: 'envoy.tracers.zipkin',
      typed_config: {
        '@type': ZIPKIN_TYPE,
        collector_cluster: backend.cluster,
        collector_endpoint: p.zipkin.path ?? '/api/v2/spans',
        collector_endpoint_version: 'HTTP_JSON',
        // The Host header the collector sees; the cluster name is no host name.
        collector_hostname: backend.host,
        trace_id_128bit: p.zipkin.enable64bitTraceId !== true,
        shared_span_context: { value: false },
      },
    };
  }
  const otel = p.opentelemetry!;
  const timeout = (otel.http?.timeout !== undefined ? protoDuration(otel.http.timeout) : undefined) ?? { seconds: 5, nanos: 0 };
  const exporter = otel.http
    ? {
        http_service: {
          http_uri: { uri: `http://${backend.host}:${backend.port}${otel.http.path ?? '/v1/traces'}`, cluster: backend.cluster, timeout },
          request_headers_to_add: (otel.http.headers ?? []).map((h) => ({ header: { key: h.name, value: h.value } })),
        },
      }
    : { grpc_service: { envoy_grpc: { cluster_name: backend.cluster, authority: backend.host } } };
  return { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': OTEL_TYPE, ...exporter, service_name: canonicalService(labels, namespace) } };
}

/** The HttpConnectionManager `tracing` field for these settings. */
export function hcmTracing(settings: TracingSettings, backend: TelemetryBackend, labels: Readonly<Record<string, string>>, namespace: string): Record<string, unknown> {
  const p = settings.provider;
  const maxTagLength = p.zipkin?.maxTagLength ?? p.opentelemetry?.maxTagLength;
  const tags = customTags(settings);
  return {
    provider: provider(settings, backend, labels, namespace),
    random_sampling: { value: settings.samplingPercentage },
    // Envoy samples 100% of requests whose client asked for a trace (x-client-trace-id) unless told otherwise.
    client_sampling: { value: settings.samplingPercentage },
    ...(tags.length > 0 ? { custom_tags: tags } : {}),
    ...(maxTagLength !== undefined ? { max_path_tag_length: maxTagLength } : {}),
  };
}
