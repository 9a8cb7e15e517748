export interface BackoffPolicy {
  baseMs: number;
  /** No wait is ever longer than this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** Capped exponential backoff with full jitter: a wait in [cap/2, cap] where cap = min(max, base * 2^attempt). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(cap / 2 + (cap / 2) * Math.min(Math.max(random(), 0), 1));
}
