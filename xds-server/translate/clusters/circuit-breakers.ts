import type { TrafficPolicy } from '../mesh/mesh-model.ts';

// Istio lifts Envoy's small default limits (1024 connections, 3 retries) to "unlimited" once a pool is configured.
const UNLIMITED = 4_294_967_295;

const limit = (value: number | undefined) => ({ value: value && value > 0 ? value : UNLIMITED });

/** `circuit_breakers` from connectionPool limits and a retry budget; 0 or unset means Istio's "no limit". */
export function circuitBreakerFields(policy: TrafficPolicy): Record<string, unknown> {
  const pool = policy.connectionPool;
  const budget = policy.retryBudget;
  if (!pool?.tcp?.maxConnections && !pool?.http?.http1MaxPendingRequests && !pool?.http?.http2MaxRequests && !pool?.http?.maxRetries && !budget) return {};
  const threshold: Record<string, unknown> = {
    max_connections: limit(pool?.tcp?.maxConnections),
    max_pending_requests: limit(pool?.http?.http1MaxPendingRequests),
    max_requests: limit(pool?.http?.http2MaxRequests),
    max_retries: limit(pool?.http?.maxRetries),
    // Istio reports remaining capacity so operators can see how close a pool runs to its limit.
    track_remaining: true,
  };
  if (budget) {
    threshold['retry_budget'] = {
      ...(budget.percent !== undefined ? { budget_percent: { value: budget.percent } } : {}),
      ...(budget.minRetryConcurrency !== undefined ? { min_retry_concurrency: { value: budget.minRetryConcurrency } } : {}),
    };
  }
  return { circuit_breakers: { thresholds: [threshold] } };
}
