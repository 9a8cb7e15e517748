import type { UnsupportedField } from './unsupported.ts';

const BY_SELECTOR = 'Telemetry attaches to workloads by namespace and selector; targetRef (Gateway API gateways, services) is not translated';
const AGENT_METRICS = 'the agent derives Istio\'s standard metrics from Envoy\'s cluster stats at each scrape (docs/observability.md)';
const notRemove = (value: unknown) => typeof value !== 'object' || value === null || (value as { operation?: unknown }).operation !== 'REMOVE';

/** Telemetry fields accepted by the schema but not translated. */
export const TELEMETRY_UNSUPPORTED_FIELDS: readonly UnsupportedField[] = [
  { kind: 'Telemetry', path: 'spec.targetRef', reason: BY_SELECTOR },
  { kind: 'Telemetry', path: 'spec.targetRefs', reason: BY_SELECTOR },
  { kind: 'Telemetry', path: 'spec.metrics[*].overrides[*].match.customMetric', reason: `${AGENT_METRICS}; it has no custom metrics` },
  {
    kind: 'Telemetry',
    path: 'spec.metrics[*].overrides[*].tagOverrides.*',
    when: { text: 'an UPSERT (the default operation)', test: notRemove },
    reason: `${AGENT_METRICS}; tags can be removed, but not computed from CEL values`,
  },
  { kind: 'Telemetry', path: 'spec.metrics[*].reportingInterval', reason: `${AGENT_METRICS}; it is scraped, so the scrape interval is the reporting interval` },
  { kind: 'Telemetry', path: 'spec.tracing[*].useRequestIdForTraceSampling', when: { text: 'false', test: (v) => v === false }, reason: 'Envoy samples by the x-request-id it generates or receives' },
  { kind: 'Telemetry', path: 'spec.tracing[*].enableIstioTags', when: { text: 'true', test: (v) => v === true }, reason: 'Istio\'s own span tags (istio.canonical_service, istio.mesh_id, …) are not added; use customTags' },
];
