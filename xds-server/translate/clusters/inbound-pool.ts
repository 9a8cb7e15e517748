import type { TrafficPolicy } from '../mesh/mesh-model.ts';
import { circuitBreakerFields } from './circuit-breakers.ts';
import { httpProtocolOptions } from './http-protocol-options.ts';
import { upstreamConnectionFields } from './upstream-connection.ts';

/** A Sidecar's `inboundConnectionPool`, or an ingress listener's own `connectionPool`. */
export type InboundPool = NonNullable<TrafficPolicy['connectionPool']>;

/**
 * The fields of an inbound cluster (the hop from the proxy to its own app) that `pool` sets, as
 * Istio applies a Sidecar's inbound connection pool: connect timeout and TCP keepalive, circuit
 * breakers, and for HTTP the per-connection settings (an idle timeout shorter than the app's own
 * keep-alive keeps the proxy from reusing a connection the app is closing). HTTP always speaks
 * the caller's protocol to the app. With no pool, the cluster's defaults.
 */
export function inboundPoolFields(pool: InboundPool | undefined, http: boolean): Record<string, unknown> {
  const policy: TrafficPolicy = { connectionPool: { ...pool, http: { ...pool?.http, useClientProtocol: true } } };
  return {
    ...(http ? { typed_extension_protocol_options: httpProtocolOptions(false, policy) } : {}),
    ...upstreamConnectionFields(policy),
    ...circuitBreakerFields(policy),
  };
}
