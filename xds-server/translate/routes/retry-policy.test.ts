import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_ON, retryPolicy } from './retry-policy.ts';

describe('retryPolicy (Istio semantics)', () => {
  it('uses Istio defaults when a route names no retries', () => {
    expect(retryPolicy(undefined)).toEqual({ retry_on: DEFAULT_RETRY_ON, num_retries: { value: 2 }, retriable_status_codes: [503] });
  });

  it('turns retries off for attempts 0 or unset attempts', () => {
    expect(retryPolicy({ attempts: 0 })).toBeUndefined();
    expect(retryPolicy({ retryOn: '5xx' })).toBeUndefined();
  });

  it('passes retryOn through and moves status codes to retriable_status_codes', () => {
    expect(retryPolicy({ attempts: 3, retryOn: '5xx,connect-failure' })).toEqual({ retry_on: '5xx,connect-failure', num_retries: { value: 3 } });
    expect(retryPolicy({ attempts: 1, retryOn: 'gateway-error,503,429', perTryTimeout: '250ms' })).toEqual({
      retry_on: 'gateway-error,retriable-status-codes',
      num_retries: { value: 1 },
      retriable_status_codes: [503, 429],
      per_try_timeout: { seconds: 0, nanos: 250_000_000 },
    });
  });

  it('adds the previous-hosts predicate and the previous-priorities retry priority when a route asks', () => {
    const policy = retryPolicy({ attempts: 2, retryOn: '5xx', retryIgnorePreviousHosts: true, retryRemoteLocalities: true });
    expect(policy).toMatchObject({
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
      host_selection_retry_max_attempts: 5,
      retry_priority: { name: 'envoy.retry_priorities.previous_priorities', typed_config: { update_frequency: 2 } },
    });
    expect(retryPolicy({ attempts: 2, retryIgnorePreviousHosts: false, retryRemoteLocalities: false })).not.toHaveProperty('retry_host_predicate');
    expect(retryPolicy({ attempts: 2, retryRemoteLocalities: false })).not.toHaveProperty('retry_priority');
  });
});
