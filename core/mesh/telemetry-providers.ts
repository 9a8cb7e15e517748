import { z } from 'zod';
import { accessLogFormatProblem } from './access-log-format.ts';
import { duration, service } from './provider-fields.ts';


const formatText = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((value, ctx) => {
    const problem = accessLogFormatProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** JSON log entries: each key's value is a format string (`%RESPONSE_CODE%`) or a literal. */
const formatLabels = z.record(z.string().min(1).max(256).regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, "_", "." or "-"'), formatText).refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');

const LogFormat = z
  .strictObject({ text: formatText.optional(), labels: formatLabels.optional() })
  .refine((f) => !(f.text !== undefined && f.labels !== undefined), 'set text or labels, not both')
  .describe('text: an Envoy format string; labels: JSON entries with these keys. Neither: Istio\'s default text format');

const port = z.number().int().min(1).max(65_535);
const maxTagLength = z.number().int().min(1).max(65_535).optional().describe('Longest tag value sent; default 256');
const headerName = z.string().min(1).max(256).regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name');

/**
 * Where a file access log may go: the proxy's own stdout. Any other file would let a tenant's
 * config write on the proxy's host; /dev/stderr is left out because the agent reads Envoy's
 * stderr through a socket, which Envoy cannot open as a file (the listener would be rejected).
 */
export const TELEMETRY_ACCESS_LOG_PATHS: readonly string[] = ['/dev/stdout'];

export const EnvoyFileAccessLogSchema = z.strictObject({
  path: z
    .string()
    .refine((p) => TELEMETRY_ACCESS_LOG_PATHS.includes(p), 'access logs are written to /dev/stdout only (the proxy\'s log stream); other files on the proxy host are refused')
    .describe('/dev/stdout'),
  logFormat: LogFormat.optional(),
});

export const EnvoyOtelAlsSchema = z.strictObject({
  service,
  port,
  logName: z.string().min(1).max(253).optional(),
  logFormat: LogFormat.optional(),
});

export const ZipkinTracingSchema = z.strictObject({
  service,
  port,
  maxTagLength,
  enable64bitTraceId: z.boolean().optional(),
  path: z.string().max(1024).regex(/^\/[^\s?#]*$/, 'must be a path starting with /').optional().describe('Default /api/v2/spans'),
});

export const OpenTelemetryTracingSchema = z.strictObject({
  service,
  port,
  maxTagLength,
  http: z
    .strictObject({
      path: z.string().max(1024).regex(/^\/[^\s?#]*$/, 'must be a path starting with /').optional().describe('Default /v1/traces'),
      timeout: duration.optional(),
      headers: z.array(z.strictObject({ name: headerName, value: z.string().max(4096) })).max(32).optional(),
    })
    .optional()
    .describe('Export over OTLP/HTTP; without it, OTLP/gRPC'),
});

export const PrometheusProviderSchema = z.strictObject({});

/** Istio's telemetry extension providers that Trellis translates. */
export const TELEMETRY_PROVIDER_FIELDS = {
  envoyFileAccessLog: EnvoyFileAccessLogSchema.optional(),
  envoyOtelAls: EnvoyOtelAlsSchema.optional(),
  zipkin: ZipkinTracingSchema.optional(),
  opentelemetry: OpenTelemetryTracingSchema.optional(),
  prometheus: PrometheusProviderSchema.optional(),
};

export const TELEMETRY_PROVIDER_KINDS = ['envoyFileAccessLog', 'envoyOtelAls', 'zipkin', 'opentelemetry', 'prometheus'] as const;

export type EnvoyFileAccessLog = z.infer<typeof EnvoyFileAccessLogSchema>;
export type EnvoyOtelAls = z.infer<typeof EnvoyOtelAlsSchema>;
export type ZipkinTracing = z.infer<typeof ZipkinTracingSchema>;
export type OpenTelemetryTracing = z.infer<typeof OpenTelemetryTracingSchema>;
export type LogFormat = z.infer<typeof LogFormat>;

/** Mesh settings `defaultProviders`: the providers used where no Telemetry names any. */
export const DefaultProvidersSchema = z
  .strictObject({
    accessLogging: z.array(z.string().min(1).max(253)).max(8).optional(),
    tracing: z.array(z.string().min(1).max(253)).max(1).optional().describe('One tracer: Envoy runs one per listener'),
    metrics: z.array(z.string().min(1).max(253)).max(8).optional(),
  })
  .meta({ id: 'DefaultProviders', description: 'Providers every workload uses unless a Telemetry says otherwise (Istio MeshConfig.defaultProviders).' });

export type DefaultProviders = z.infer<typeof DefaultProvidersSchema>;
