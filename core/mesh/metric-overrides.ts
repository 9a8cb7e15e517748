import { z } from 'zod';

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

const family = z.enum(Object.values(ISTIO_METRIC_CLASSES) as [string, ...string[]]);
const tag = z.string().min(1).max(256);

/** Per family: dropped, or these labels removed (series that then coincide are summed). Families left out are as the agent writes them. */
export const MetricOverridesSchema = z.partialRecord(family, z.strictObject({ disabled: z.boolean().optional(), removeTags: z.array(tag).max(64).optional() }));
export type MetricOverrides = z.infer<typeof MetricOverridesSchema>;

export type MetricSide = 'CLIENT' | 'SERVER';

/** Overrides of both sides of a proxy: Istio's `reporter` label says which side a series is. */
export interface SideMetricOverrides {
  /** Outbound (reporter="source"). */
  CLIENT?: MetricOverrides;
  /** Inbound (reporter="destination"). */
  SERVER?: MetricOverrides;
}

const Carried = z.strictObject({ side: z.enum(['CLIENT', 'SERVER']), overrides: MetricOverridesSchema });

/** What a listener of `side` carries in its metadata. */
export const encodeMetricOverrides = (side: MetricSide, overrides: MetricOverrides): string => JSON.stringify({ side, overrides });

/** Parses what a listener's metadata holds; undefined when it is not what this version writes. */
export function parseMetricOverrides(json: string): { side: MetricSide; overrides: MetricOverrides } | undefined {
  try {
    const parsed = Carried.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
