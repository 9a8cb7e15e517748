import type { RetryPolicy } from '../schemas/route.ts';
import { toIstioDuration } from './durations.ts';

// App Mesh retry events → Envoy retry_on names (server-error and gateway-error include Envoy's reset policy).
const HTTP_EVENTS: Record<string, string[]> = {
  'server-error': ['5xx'],
  'gateway-error': ['gateway-error', 'reset'],
  'client-error': ['retriable-4xx'],
  'stream-error': ['refused-stream'],
};
const TCP_EVENTS: Record<string, string[]> = { 'connection-error': ['connect-failure'] };

export interface IstioRetries {
  attempts: number;
  perTryTimeout?: string;
  retryOn?: string;
}

export function retriesOf(policy: RetryPolicy): IstioRetries {
  const on = new Set<string>();
  for (const e of policy.httpRetryEvents ?? []) for (const p of HTTP_EVENTS[e] ?? []) on.add(p);
  for (const e of policy.tcpRetryEvents ?? []) for (const p of TCP_EVENTS[e] ?? []) on.add(p);
  for (const e of policy.grpcRetryEvents ?? []) on.add(e);
  const perTry = toIstioDuration(policy.perRetryTimeout);
  return { attempts: policy.maxRetries, ...(perTry ? { perTryTimeout: perTry } : {}), ...(on.size > 0 ? { retryOn: [...on].join(',') } : {}) };
}

/** What App Mesh's Envoy did for a route without a retry policy (2 retries on 503, UNAVAILABLE, connect failure, refused stream). */
export function defaultRetries(grpc: boolean): IstioRetries {
  return { attempts: 2, retryOn: ['connect-failure', 'refused-stream', ...(grpc ? ['unavailable'] : []), '503'].join(',') };
}

/** App Mesh's default per-request timeout for HTTP, HTTP/2 and gRPC routes. */
export const DEFAULT_ROUTE_TIMEOUT = '15s';
