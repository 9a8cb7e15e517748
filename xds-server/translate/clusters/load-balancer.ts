import { protoDuration } from '../envoy/duration.ts';
import type { TrafficPolicy } from '../mesh/mesh-model.ts';

type LoadBalancer = NonNullable<TrafficPolicy['loadBalancer']>;

const SIMPLE: Record<string, string> = {
  ROUND_ROBIN: 'ROUND_ROBIN',
  LEAST_REQUEST: 'LEAST_REQUEST',
  // Istio maps the deprecated LEAST_CONN to Envoy's least-request balancer too.
  LEAST_CONN: 'LEAST_REQUEST',
  RANDOM: 'RANDOM',
};

// Istio's ring size when a consistent hash names none.
const DEFAULT_RING_SIZE = 1024;

/**
 * Cluster fields for a load balancer: a simple algorithm, or a ring hash / Maglev table for
 * consistent hashing (the route supplies the hash key, see routes/hash-policy.ts).
 * PASSTHROUGH is refused at apply time (core/resources/unsupported.ts).
 */
export function loadBalancerFields(lb: LoadBalancer | undefined): Record<string, unknown> {
  if (!lb) return {};
  const hash = lb.consistentHash;
  if (hash) {
    if (hash.maglev) return { lb_policy: 'MAGLEV', ...(hash.maglev.tableSize ? { maglev_lb_config: { table_size: { value: hash.maglev.tableSize } } } : {}) };
    const size = hash.ringHash?.minimumRingSize || hash.minimumRingSize || DEFAULT_RING_SIZE;
    return { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: size } } };
  }
  const policy = lb.simple ? SIMPLE[lb.simple] : undefined;
  const slowStart = slowStartConfig(lb);
  // Slow start is an option of Envoy's round-robin (its default) and least-request balancers.
  const withSlowStart = slowStart ? (policy === 'LEAST_REQUEST' ? { least_request_lb_config: { slow_start_config: slowStart } } : { round_robin_lb_config: { slow_start_config: slowStart } }) : {};
  return { ...(policy ? { lb_policy: policy } : {}), ...withSlowStart };
}

/** `warmup` (or the older `warmupDurationSecs`): new endpoints get traffic ramped up over the window. */
function slowStartConfig(lb: LoadBalancer): Record<string, unknown> | undefined {
  const window = protoDuration(lb.warmup?.duration ?? lb.warmupDurationSecs ?? '');
  if (!window) return undefined;
  const { aggression, minimumPercent } = lb.warmup ?? {};
  return {
    slow_start_window: window,
    ...(aggression !== undefined ? { aggression: { default_value: aggression, runtime_key: 'trellis.slow_start.aggression' } } : {}),
    ...(minimumPercent !== undefined ? { min_weight_percent: { value: minimumPercent } } : {}),
  };
}
