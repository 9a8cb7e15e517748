import { protoDuration } from '../envoy/duration.ts';
import type { HttpRetry } from '../mesh/mesh-model.ts';

/**
 * Istio's default when a route names no retries: 2 attempts on connection failures, refused
 * streams, gRPC unavailable/cancelled and 503. Istio also adds the previous-hosts retry
 * predicate by default; here it is added when a route asks with `retryIgnorePreviousHosts: true`.
 */
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const DEFAULT_RETRY_ATTEMPTS = 2;
export const DEFAULT_RETRIABLE_STATUS_CODES = [503];

/** A retry goes to another host than the ones tried (Istio's `retryIgnorePreviousHosts`). */
const PREVIOUS_HOSTS = {
  retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
  host_selection_retry_max_attempts: 5,
};

/** A retry goes to another priority (locality) than the ones tried (Istio's `retryRemoteLocalities`, update frequency 2 as Istio sets it). */
const PREVIOUS_PRIORITIES = {
  retry_priority: { name: 'envoy.retry_priorities.previous_priorities', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: 2 } },
};

export function defaultRetryPolicy(): Record<string, unknown> {
  return { retry_on: DEFAULT_RETRY_ON, num_retries: { value: DEFAULT_RETRY_ATTEMPTS }, retriable_status_codes: DEFAULT_RETRIABLE_STATUS_CODES };
}

/** Splits Istio's `retryOn`: numbers are status codes (Envoy's `retriable-status-codes`), the rest pass through. */
function parseRetryOn(text: string): { retryOn: string; codes: number[] } {
  const conditions: string[] = [];
  const codes: number[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (/^\d+$/.test(part)) codes.push(Number(part));
    else if (!conditions.includes(part)) conditions.push(part);
  }
  if (codes.length > 0 && !conditions.includes('retriable-status-codes')) conditions.push('retriable-status-codes');
  return { retryOn: conditions.join(','), codes };
}

/** Envoy RetryPolicy of an Istio HTTPRetry, as Istio builds it; undefined disables retries (`attempts: 0` or unset). */
export function retryPolicy(retries: HttpRetry | undefined): Record<string, unknown> | undefined {
  if (!retries) return defaultRetryPolicy();
  if (!retries.attempts || retries.attempts <= 0) return undefined;
  const policy: Record<string, unknown> = { ...defaultRetryPolicy(), num_retries: { value: retries.attempts } };
  if (retries.retryOn) {
    const { retryOn, codes } = parseRetryOn(retries.retryOn);
    policy['retry_on'] = retryOn;
    if (codes.length > 0) policy['retriable_status_codes'] = codes;
    else delete policy['retriable_status_codes'];
  }
  if (retries.perTryTimeout) policy['per_try_timeout'] = protoDuration(retries.perTryTimeout);
  if (retries.backoff) policy['retry_back_off'] = { base_interval: protoDuration(retries.backoff) };
  if (retries.retryIgnorePreviousHosts) Object.assign(policy, PREVIOUS_HOSTS);
  if (retries.retryRemoteLocalities) Object.assign(policy, PREVIOUS_PRIORITIES);
  return policy;
}
