/**
 * Telemetry `metrics[].overrides` as the agent applies them to the Istio metrics it derives from
 * Envoy's stats. The xDS server resolves them per side and puts them in each listener's metadata
 * under this key (one JSON string); the agent reads them back from Envoy's config dump.
 */
export const METRIC_OVERRIDES_METADATA_KEY = 'trellis.io/metric-overrides';
export const METRIC_OVERRIDES_FIELD = 'json';

/** Istio's metric classes (Telemetry `match.metric`) and the families the agent writes for them. */
export const ISTIO_METRIC_CLASSES = {
  REQUEST_COUNT: 'istio_requests_total',
  REQUEST_DURATION: 'istio_request_duration_milliseconds',
  REQUEST_SIZE: 'istio_request_bytes',
  RESPONSE_SIZE: 'istio_response_bytes',
  TCP_OPENED_CONNECTIONS: 'istio_tcp_connections_opened_total',
  TCP_CLOSED_CONNECTIONS: 'istio_tcp_connections_closed_total',
  TCP_SENT_BYTES: 'istio_tcp_sent_bytes_total',
  TCP_RECEIVED_BYTES: 'istio_tcp_received_bytes_total',
} as const;

export type IstioMetricClass = keyof typeof ISTIO_METRIC_CLASSES;

const FAMILIES = new Set<string>(Object.values(ISTIO_METRIC_CLASSES));
const MAX_TAG_LENGTH = 256;
const MAX_TAGS = 64;

/** What happens to one family: dropped, or these labels removed (series that then coincide are summed). */
export interface MetricOverride {
  disabled?: boolean;
  removeTags?: string[];
}

/** Per family (an ISTIO_METRIC_CLASSES value); families left out are as the agent writes them. */
export type MetricOverrides = Partial<Record<string, MetricOverride>>;

export type MetricSide = 'CLIENT' | 'SERVER';

/** Overrides of both sides of a proxy: Istio's `reporter` label says which side a series is. */
export interface SideMetricOverrides {
  /** Outbound (reporter="source"). */
  CLIENT?: MetricOverrides;
  /** Inbound (reporter="destination"). */
  SERVER?: MetricOverrides;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Record<string, unknown>, allowed: readonly string[]) => Object.keys(o).every((k) => allowed.includes(k));

function isOverride(v: unknown): v is MetricOverride {
  if (!isObject(v) || !onlyKeys(v, ['disabled', 'removeTags'])) return false;
  if (v.disabled !== undefined && typeof v.disabled !== 'boolean') return false;
  if (v.removeTags === undefined) return true;
  return Array.isArray(v.removeTags) && v.removeTags.length <= MAX_TAGS && v.removeTags.every((t) => typeof t === 'string' && t.length >= 1 && t.length <= MAX_TAG_LENGTH);
}

// Checked by hand rather than with a schema library: the sidecar agent parses this at every scrape
// and would otherwise keep the library in its memory for good.
const isOverrides = (v: unknown): v is MetricOverrides => isObject(v) && Object.entries(v).every(([family, o]) => FAMILIES.has(family) && isOverride(o));

/** What a listener of `side` carries in its metadata. */
export const encodeMetricOverrides = (side: MetricSide, overrides: MetricOverrides): string => JSON.stringify({ side, overrides });

/** Parses what a listener's metadata holds; undefined when it is not what this version writes. */
export function parseMetricOverrides(json: string): { side: MetricSide; overrides: MetricOverrides } | undefined {
  try {
    const carried: unknown = JSON.parse(json);
    if (!isObject(carried) || !onlyKeys(carried, ['side', 'overrides']) || (carried.side !== 'CLIENT' && carried.side !== 'SERVER') || !isOverrides(carried.overrides)) return undefined;
    return { side: carried.side, overrides: carried.overrides };
  } catch {
    return undefined;
  }
}
