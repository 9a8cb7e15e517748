import { encodeMetricOverrides, METRIC_OVERRIDES_FIELD, METRIC_OVERRIDES_METADATA_KEY, type MetricOverrides } from '../../../core/mesh/metric-overrides.ts';
import { HCM_FILTER_NAME } from '../envoy/extension-types.ts';
import { TCP_PROXY_FILTER_NAME } from '../envoy/traffic-extension-types.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import { byName } from '../sort-named.ts';
import type { Named, TranslationIssue, TranslationResult } from '../translation-result.ts';
import { accessLogConfig } from './access-log-config.ts';
import { effectiveTelemetry, type TelemetryMode } from './resolve-telemetry.ts';
import { telemetryBackend, type TelemetryBackend } from './telemetry-backend.ts';
import { hcmTracing } from './tracing-config.ts';

type Obj = Record<string, unknown>;

interface Additions {
  mode: TelemetryMode;
  accessLogs: Obj[];
  tracing: Obj | undefined;
  metrics: MetricOverrides | undefined;
  clusters: Named[];
}

function additionsFor(index: MeshIndex, proxy: ProxyDescriptor, mode: TelemetryMode, issues: TranslationIssue[]): Additions | undefined {
  if (index.telemetries.length === 0 && !index.settings.defaultProviders) return undefined;
  const effective = effectiveTelemetry(index, proxy, mode, issues);
  const clusters = new Map<string, Named>();
  const backendOf = (name: string, service: string, port: number, grpc: boolean): TelemetryBackend | undefined => {
    const found = telemetryBackend(index, proxy, service, port, grpc);
    if (typeof found === 'string') {
      issues.push({ resource: 'MeshSettings', field: 'extensionProviders', message: `provider "${name}": ${found}; not applied to ${proxy.namespace} ${mode === 'SERVER' ? 'inbound' : 'outbound'}` });
      return undefined;
    }
    if (found.ownCluster) clusters.set(found.cluster, found.ownCluster);
    return found;
  };
  const accessLogs: Obj[] = [];
  for (const sink of effective.accessLogs) {
    const als = sink.provider.envoyOtelAls;
    const backend = als ? backendOf(sink.provider.name, als.service, als.port, true) : undefined;
    if (als && !backend) continue;
    const config = accessLogConfig(sink, backend);
    if (config) accessLogs.push(config);
  }
  let tracing: Obj | undefined;
  const t = effective.tracing;
  const target = t?.provider.zipkin ?? t?.provider.opentelemetry;
  if (t && target) {
    const backend = backendOf(t.provider.name, target.service, target.port, t.provider.opentelemetry !== undefined && !t.provider.opentelemetry.http);
    if (backend) tracing = hcmTracing(t, backend, proxy.labels, proxy.namespace);
  }
  if (accessLogs.length === 0 && !tracing && !effective.metrics) return undefined;
  return { mode, accessLogs, tracing, metrics: effective.metrics, clusters: [...clusters.values()] };
}

function withFilters(chain: Obj, add: Additions): Obj {
  const filters = chain['filters'];
  if (!Array.isArray(filters)) return chain;
  return {
    ...chain,
    filters: filters.map((f: Obj) => {
      const config = f['typed_config'] as Obj | undefined;
      if (!config) return f;
      const logs = add.accessLogs.length > 0 ? { access_log: [...((config['access_log'] as Obj[] | undefined) ?? []), ...add.accessLogs] } : {};
      if (f['name'] === HCM_FILTER_NAME) return { ...f, typed_config: { ...config, ...logs, ...(add.tracing ? { tracing: add.tracing } : {}) } };
      if (f['name'] === TCP_PROXY_FILTER_NAME) return { ...f, typed_config: { ...config, ...logs } };
      return f;
    }),
  };
}

/** The listener's metadata with the side's metric overrides, for the agent to read from Envoy's config dump. */
function withMetricOverrides(metadata: Obj | undefined, mode: TelemetryMode, overrides: MetricOverrides): Obj {
  const filterMetadata = (metadata?.['filter_metadata'] as Obj | undefined) ?? {};
  // A google.protobuf.Struct in the form the encoder takes: one JSON string, parsed and checked by the agent.
  const struct = { fields: { [METRIC_OVERRIDES_FIELD]: { stringValue: encodeMetricOverrides(mode, overrides) } } };
  return { ...metadata, filter_metadata: { ...filterMetadata, [METRIC_OVERRIDES_METADATA_KEY]: struct } };
}

// Copies along the path it changes: listeners may be shared with the translation memo.
function withListenerTelemetry(listener: Named, add: Additions): Named {
  const r = listener.resource;
  const chains = r['filter_chains'];
  const fallback = r['default_filter_chain'] as Obj | undefined;
  if (!Array.isArray(chains) && !fallback) return listener;
  return {
    name: listener.name,
    resource: {
      ...r,
      ...(add.metrics ? { metadata: withMetricOverrides(r['metadata'] as Obj | undefined, add.mode, add.metrics) } : {}),
      ...(Array.isArray(chains) ? { filter_chains: chains.map((c: Obj) => withFilters(c, add)) } : {}),
      ...(fallback ? { default_filter_chain: withFilters(fallback, add) } : {}),
    },
  };
}

/**
 * Adds the access logs and tracing that the Telemetry resources and default providers give this
 * side of the proxy to every HTTP connection manager (logs and tracing) and TCP proxy (logs) of
 * its listeners, the side's metric overrides to the listeners' metadata, and the backend clusters of the modes in `clustersFor` (the outbound side of a
 * sidecar carries the inbound side's too, since only it is shared). Unchanged when nothing applies.
 */
export function withTelemetry(index: MeshIndex, proxy: ProxyDescriptor, result: TranslationResult, mode: TelemetryMode, clustersFor: readonly TelemetryMode[]): TranslationResult {
  const issues = [...result.issues];
  const add = additionsFor(index, proxy, mode, issues);
  const needed = clustersFor.flatMap((m) => (m === mode ? add : additionsFor(index, proxy, m, []))?.clusters ?? []);
  if (!add && needed.length === 0) return issues.length === result.issues.length ? result : { ...result, issues };
  const names = new Set(result.clusters.map((c) => c.name));
  const extra = new Map(needed.filter((c) => !names.has(c.name)).map((c) => [c.name, c]));
  const clusters = extra.size > 0 ? byName([...result.clusters, ...extra.values()]) : result.clusters;
  const listeners = add ? result.listeners.map((l) => withListenerTelemetry(l, add)) : result.listeners;
  return { ...result, clusters, listeners, issues };
}
