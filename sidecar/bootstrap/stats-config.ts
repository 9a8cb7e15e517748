/** Istio's buckets for request durations (ms); also Envoy's defaults, stated so a change of default cannot move them. */
export const DURATION_BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** Istio's buckets for request and response body sizes (bytes): 1 to 10^8 by powers of ten. */
export const SIZE_BUCKETS_BYTES = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000];

/** The tag Envoy puts on every stat of an outbound cluster or TCP proxy: the service host taken out of `outbound|<port>|<subset>|<host>`. */
export const DESTINATION_SERVICE_TAG = 'destination_service';

/**
 * The host ends before the stat's own name. Hosts are DNS names (no `_`), so the host is the shortest
 * run of dotted labels after which comes a token with `_` (`upstream_rq_200`), the last token
 * (`version`), or one of Envoy's underscore-free scopes (`external.`, `ssl.ciphers.`, `zone.a.b.`).
 */
const OUTBOUND_HOST_REGEX =
  '^(?:cluster|tcp)\\.outbound\\|[0-9]+\\|[^|]*\\|(([^|_]+?)\\.)' +
  '(?:(?:external|internal|retry|canary|ssl|http1|http2|http3|tlsMode-istio|default)\\.)?' +
  '(?:[^.]*_|[^.]+$|ssl\\.(?:ciphers|curves|sigalgs|versions|certificate)\\.|zone\\.[^.]*\\.[^.]*\\.)';

/** Which of Envoy's own stats the proxy keeps: every one, or what the mesh's metrics and health checks read. */
export type EnvoyStats = 'all' | 'mesh';

/** Per-cluster stats `mesh` keeps: what the Istio metrics are derived from, xDS health, and a few failure counters. */
const MESH_CLUSTER_STATS = [
  'upstream_rq_[0-9]{3}',
  'upstream_rq_total',
  'upstream_rq_time',
  'upstream_rq_body_size',
  'upstream_rs_body_size',
  'upstream_cx_total',
  'upstream_cx_destroy',
  'upstream_cx_tx_bytes_total',
  'upstream_cx_rx_bytes_total',
  'upstream_cx_none_healthy',
  'upstream_cx_connect_fail',
  'upstream_rq_retry',
  'upstream_rq_timeout',
  'upstream_rq_pending_overflow',
  'outlier_detection\\.ejections_active',
  'membership_healthy',
  'membership_total',
  'update_(?:attempt|success|rejected|failure|empty)',
  'init_fetch_timeout',
  'version',
];

/**
 * Envoy's `stats_matcher` for `mesh`: every stat outside `cluster.` (server, listeners, HTTP
 * managers, xDS subscriptions), and of each cluster's ~345 only MESH_CLUSTER_STATS. RE2 has no
 * negative lookahead, so "not under cluster." is spelled out prefix by prefix.
 */
const MESH_STATS_MATCHER = {
  inclusion_list: {
    patterns: [
      { safe_regex: { regex: '^(?:[^c]|c[^l]|cl[^u]|clu[^s]|clus[^t]|clust[^e]|cluste[^r]|cluster[^.]).*' } },
      { safe_regex: { regex: `^cluster\\..*\\.(?:${MESH_CLUSTER_STATS.join('|')})$` } },
    ],
  },
};

/**
 * Envoy's `stats_config`: Envoy's default tags keep the cluster name's first dot-separated part
 * (`envoy_cluster_name="outbound|80|v1|web"`); the added tag takes the rest of the host out of the
 * metric name, so `envoy_cluster_upstream_rq` is one family for every service. Histogram buckets
 * are Istio's. `mesh` leaves out the per-cluster stats nothing in the mesh reads.
 */
export function statsConfig(envoyStats: EnvoyStats = 'all'): Record<string, unknown> {
  return {
    stats_tags: [{ tag_name: DESTINATION_SERVICE_TAG, regex: OUTBOUND_HOST_REGEX }],
    ...(envoyStats === 'mesh' ? { stats_matcher: MESH_STATS_MATCHER } : {}),
    histogram_bucket_settings: [
      { match: { suffix: 'upstream_rq_time' }, buckets: DURATION_BUCKETS_MS },
      { match: { suffix: '_body_size' }, buckets: SIZE_BUCKETS_BYTES },
    ],
  };
}
