import { z } from 'zod';
import { WorkloadSelector } from './shared/labels.ts';
import { PolicyTargetReference } from './shared/target-ref.ts';

const ProviderRef = z.strictObject({ name: z.string().min(1).max(253) });
const Providers = z.array(ProviderRef).max(8);
const WorkloadModeSelector = z.strictObject({ mode: z.enum(['CLIENT_AND_SERVER', 'CLIENT', 'SERVER']).optional() });

const tagName = z.string().min(1).max(256).regex(/^[A-Za-z0-9_.:/-]+$/, 'must be letters, digits, "_", ".", ":", "/" or "-"');
const envName = z.string().min(1).max(256).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const headerName = z.string().min(1).max(256).regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name');

const CustomTag = z.strictObject({
  literal: z.strictObject({ value: z.string().max(4096) }).optional(),
  environment: z.strictObject({ name: envName, defaultValue: z.string().max(4096).optional() }).optional(),
  header: z.strictObject({ name: headerName, defaultValue: z.string().max(4096).optional() }).optional(),
});

const Tracing = z.strictObject({
  match: WorkloadModeSelector.optional(),
  providers: Providers.optional(),
  randomSamplingPercentage: z.number().min(0).max(100).optional(),
  disableSpanReporting: z.boolean().optional(),
  customTags: z.record(tagName, CustomTag).optional(),
  useRequestIdForTraceSampling: z.boolean().optional(),
  enableIstioTags: z.boolean().optional(),
});

const MetricSelector = z.strictObject({
  metric: z.enum(['ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE', 'TCP_OPENED_CONNECTIONS', 'TCP_CLOSED_CONNECTIONS', 'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES', 'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES']).optional(),
  customMetric: z.string().min(1).max(253).optional(),
  mode: WorkloadModeSelector.shape.mode,
});

const Metrics = z.strictObject({
  providers: Providers.optional(),
  overrides: z
    .array(
      z.strictObject({
        match: MetricSelector.optional(),
        disabled: z.boolean().optional(),
        tagOverrides: z.record(z.string().min(1).max(256), z.strictObject({ operation: z.enum(['UPSERT', 'REMOVE']).optional(), value: z.string().max(4096).optional() })).optional(),
      }),
    )
    .max(64)
    .optional(),
  reportingInterval: z.string().max(64).optional(),
});

const AccessLogging = z.strictObject({
  match: WorkloadModeSelector.optional(),
  providers: Providers.optional(),
  disabled: z.boolean().optional(),
  filter: z.strictObject({ expression: z.string().min(1).max(4096) }).optional(),
});

export const TelemetrySpec = z
  .strictObject({
    selector: WorkloadSelector.optional(),
    targetRef: PolicyTargetReference.optional(),
    targetRefs: z.array(PolicyTargetReference).max(16).optional(),
    tracing: z.array(Tracing).max(8).optional(),
    metrics: z.array(Metrics).max(8).optional(),
    accessLogging: z.array(AccessLogging).max(8).optional(),
  })
  .meta({ id: 'TelemetrySpec', description: 'Access logs, tracing and metrics of the workloads it selects (telemetry.istio.io Telemetry).' });

export type TelemetrySpec = z.infer<typeof TelemetrySpec>;
