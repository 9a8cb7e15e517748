import type { MetricOverrides, SideMetricOverrides } from '../../../core/mesh/metric-overrides.ts';
import { DESTINATION_SERVICE_TAG } from '../../bootstrap/stats-config.ts';
import { parseClusterName, serviceNameAndNamespace, type ClusterRef } from './cluster-name.ts';
import type { MetricFamily, Sample } from './prometheus-text.ts';
import { formatFamily, formatHistogram, type HistogramValue, type SeriesValue } from './prometheus-writer.ts';

/** Who this sidecar serves: the source on outbound calls, the destination on inbound ones. */
export interface WorkloadIdentity {
  workload: string;
  namespace: string;
  labels: Record<string, string>;
  /** The SPIFFE ID of the workload certificate, once there is one. */
  principal?: string;
}

export const ISTIO_METRIC_NAMES = [
  'istio_requests_total',
  'istio_request_duration_milliseconds',
  'istio_request_bytes',
  'istio_response_bytes',
  'istio_tcp_sent_bytes_total',
  'istio_tcp_received_bytes_total',
  'istio_tcp_connections_opened_total',
  'istio_tcp_connections_closed_total',
] as const;

const UNKNOWN = 'unknown';

/** Envoy's families this module reads (names after Envoy's tag extraction). */
const ENVOY = {
  requests: 'envoy_cluster_upstream_rq',
  duration: 'envoy_cluster_upstream_rq_time',
  requestBody: 'envoy_cluster_upstream_rq_body_size',
  responseBody: 'envoy_cluster_upstream_rs_body_size',
  connectionsOpened: 'envoy_cluster_upstream_cx_total',
  connectionsClosed: 'envoy_cluster_upstream_cx_destroy',
  upstreamSent: 'envoy_cluster_upstream_cx_tx_bytes_total',
  upstreamReceived: 'envoy_cluster_upstream_cx_rx_bytes_total',
} as const;

/** The full cluster name: Envoy's `envoy_cluster_name` keeps the host's first label, the stats tag the whole host. */
function clusterOf(sample: Sample): ClusterRef | undefined {
  const name = sample.labels['envoy_cluster_name'];
  if (name === undefined) return undefined;
  const ref = parseClusterName(name);
  const host = sample.labels[DESTINATION_SERVICE_TAG];
  return ref?.direction === 'outbound' && host ? { ...ref, host } : ref;
}

const appOf = (labels: Record<string, string>) => labels['app'] ?? labels['app.kubernetes.io/name'] ?? UNKNOWN;
const versionOf = (labels: Record<string, string>) => labels['version'] ?? labels['app.kubernetes.io/version'] ?? UNKNOWN;

/** Istio's labels for traffic through `cluster`, in Istio's order; what this sidecar cannot know is `unknown`. */
function peerLabels(cluster: ClusterRef, me: WorkloadIdentity): Record<string, string> {
  const self = { workload: me.workload, namespace: me.namespace, principal: me.principal ?? UNKNOWN, app: appOf(me.labels), version: versionOf(me.labels) };
  if (cluster.direction === 'outbound') {
    const service = serviceNameAndNamespace(cluster.host);
    return {
      reporter: 'source',
      source_workload: self.workload,
      source_workload_namespace: self.namespace,
      source_principal: self.principal,
      source_app: self.app,
      source_version: self.version,
      destination_workload: UNKNOWN,
      destination_workload_namespace: UNKNOWN,
      destination_principal: UNKNOWN,
      destination_app: UNKNOWN,
      destination_version: cluster.subset || UNKNOWN,
      destination_service: cluster.host,
      destination_service_name: service.name,
      destination_service_namespace: service.namespace,
    };
  }
  return {
    reporter: 'destination',
    source_workload: UNKNOWN,
    source_workload_namespace: UNKNOWN,
    source_principal: UNKNOWN,
    source_app: UNKNOWN,
    source_version: UNKNOWN,
    destination_workload: self.workload,
    destination_workload_namespace: self.namespace,
    destination_principal: self.principal,
    destination_app: self.app,
    destination_version: self.version,
    destination_service: UNKNOWN,
    destination_service_name: UNKNOWN,
    destination_service_namespace: UNKNOWN,
  };
}

const clusterKey = (c: ClusterRef) => (c.direction === 'outbound' ? `outbound|${c.port}|${c.subset}|${c.host}` : `inbound|${c.port}||`);

/** Sums a family's samples by cluster (and `extra`), keeping the clusters Trellis names. */
function byCluster(family: MetricFamily | undefined, extra?: (s: Sample) => string | undefined): Map<string, { cluster: ClusterRef; extra: string; value: number }> {
  const out = new Map<string, { cluster: ClusterRef; extra: string; value: number }>();
  for (const sample of family?.samples ?? []) {
    const cluster = clusterOf(sample);
    const x = extra ? extra(sample) : '';
    if (!cluster || x === undefined || !Number.isFinite(sample.value)) continue;
    const key = `${clusterKey(cluster)}#${x}`;
    const entry = out.get(key) ?? { cluster, extra: x, value: 0 };
    entry.value += sample.value;
    out.set(key, entry);
  }
  return out;
}

/** A histogram family's series by cluster: cumulative buckets, sum and count. */
function histogramsByCluster(family: MetricFamily | undefined): Map<string, { cluster: ClusterRef; buckets: Map<number, number>; sum: number; count: number }> {
  const out = new Map<string, { cluster: ClusterRef; buckets: Map<number, number>; sum: number; count: number }>();
  if (!family || family.type !== 'histogram') return out;
  for (const sample of family.samples) {
    const cluster = clusterOf(sample);
    if (!cluster || !Number.isFinite(sample.value)) continue;
    const key = clusterKey(cluster);
    const entry = out.get(key) ?? { cluster, buckets: new Map<number, number>(), sum: 0, count: 0 };
    out.set(key, entry);
    if (sample.name === `${family.name}_sum`) entry.sum += sample.value;
    else if (sample.name === `${family.name}_count`) entry.count += sample.value;
    else if (sample.name === `${family.name}_bucket`) {
      const le = sample.labels['le'] === '+Inf' ? Infinity : Number(sample.labels['le']);
      if (Number.isFinite(le)) entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + sample.value);
    }
  }
  return out;
}

const HTTP = { request_protocol: 'http' };
const TAIL = { response_flags: '-', connection_security_policy: UNKNOWN };

function histogramSeries(family: MetricFamily | undefined, me: WorkloadIdentity): HistogramValue[] {
  return [...histogramsByCluster(family).values()]
    .filter((h) => h.count > 0)
    .map((h) => ({
      // Envoy's upstream histograms are not split by response code.
      labels: { ...peerLabels(h.cluster, me), ...HTTP, response_code: UNKNOWN, ...TAIL },
      buckets: [...h.buckets.entries()].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count })),
      sum: h.sum,
      count: h.count,
    }));
}

/** The series of one family after the overrides of each series' side: dropped, or labels removed and coinciding series merged. */
function overridden<T extends { labels: Record<string, string> }>(name: string, series: T[], overrides: SideMetricOverrides | undefined, merge: (into: T, from: T) => void): T[] {
  if (!overrides) return series;
  const out = new Map<string, T>();
  for (const s of series) {
    const o: MetricOverrides[string] | undefined = (s.labels['reporter'] === 'source' ? overrides.CLIENT : overrides.SERVER)?.[name];
    if (o?.disabled) continue;
    const removed = new Set(o?.removeTags ?? []);
    const labels = removed.size === 0 ? s.labels : Object.fromEntries(Object.entries(s.labels).filter(([k]) => !removed.has(k)));
    const key = JSON.stringify(labels);
    const existing = out.get(key);
    if (existing) merge(existing, s);
    else out.set(key, { ...s, labels });
  }
  return [...out.values()];
}

const sumInto = (into: SeriesValue, from: SeriesValue) => void (into.value += from.value);

function mergeHistogram(into: HistogramValue, from: HistogramValue): void {
  const counts = new Map(into.buckets.map((b) => [b.le, b.count]));
  for (const b of from.buckets) counts.set(b.le, (counts.get(b.le) ?? 0) + b.count);
  into.buckets = [...counts.entries()].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count }));
  into.sum += from.sum;
  into.count += from.count;
}

/**
 * Istio's standard metrics from Envoy's cluster stats: outbound clusters report as `source`,
 * the inbound cluster as `destination`. Only clusters that saw traffic have series; labels are
 * per cluster and response code, never per endpoint or path. `overrides` (Telemetry
 * `metrics[].overrides`, per side) drop families or remove labels.
 */
export function istioMetrics(envoy: ReadonlyMap<string, MetricFamily>, me: WorkloadIdentity, overrides?: SideMetricOverrides): string {
  const requests = byCluster(envoy.get(ENVOY.requests), (s) => s.labels['envoy_response_code']);
  const requestSeries: SeriesValue[] = [...requests.values()]
    .filter((r) => r.value > 0)
    .map((r) => ({ labels: { ...peerLabels(r.cluster, me), ...HTTP, response_code: r.extra, ...TAIL }, value: r.value }));

  // A cluster with connections and no HTTP response is a TCP service (tcp_proxy counts its connections as upstream requests).
  const httpClusters = new Set([...requests.values()].filter((r) => r.value > 0).map((r) => clusterKey(r.cluster)));
  const tcp = (name: string): SeriesValue[] =>
    [...byCluster(envoy.get(name)).values()]
      .filter((r) => !httpClusters.has(clusterKey(r.cluster)) && r.value > 0)
      .map((r) => ({ labels: { ...peerLabels(r.cluster, me), request_protocol: 'tcp', ...TAIL }, value: r.value }));
  const counter = (name: string, help: string, series: SeriesValue[]) => formatFamily(name, 'counter', help, overridden(name, series, overrides, sumInto));
  const histogram = (name: string, help: string, family: string) => formatHistogram(name, help, overridden(name, histogramSeries(envoy.get(family), me), overrides, mergeHistogram));

  return [
    counter('istio_requests_total', 'Requests, by response code (Envoy cluster stats: final upstream responses).', requestSeries),
    histogram('istio_request_duration_milliseconds', 'Request duration in milliseconds (Envoy upstream_rq_time).', ENVOY.duration),
    histogram('istio_request_bytes', 'HTTP request body sizes in bytes (clusters that track request sizes).', ENVOY.requestBody),
    histogram('istio_response_bytes', 'HTTP response body sizes in bytes (clusters that track response sizes).', ENVOY.responseBody),
    // Istio's directions: received is the request direction (to the upstream), sent the response direction.
    counter('istio_tcp_sent_bytes_total', 'Bytes of TCP connections in the response direction.', tcp(ENVOY.upstreamReceived)),
    counter('istio_tcp_received_bytes_total', 'Bytes of TCP connections in the request direction.', tcp(ENVOY.upstreamSent)),
    counter('istio_tcp_connections_opened_total', 'TCP connections opened.', tcp(ENVOY.connectionsOpened)),
    counter('istio_tcp_connections_closed_total', 'TCP connections closed.', tcp(ENVOY.connectionsClosed)),
  ].join('');
}
