import type { TrafficPolicy } from '../mesh/mesh-model.ts';
import { circuitBreakerFields } from './circuit-breakers.ts';
import { loadBalancerFields } from './load-balancer.ts';
import { outlierDetectionFields } from './outlier-detection.ts';
import { upstreamTransportSocket } from './transport-socket.ts';
import { upstreamConnectionFields } from './upstream-connection.ts';

export { policyForPort } from '../mesh/effective-policy.ts';

/**
 * Cluster fields from the effective DestinationRule policy of one subset and port (see
 * mesh/effective-policy.ts). Fields the translation cannot honour are refused at apply time by
 * core/resources/unsupported.ts, so everything that reaches here is translated.
 */
export function clusterPolicyFields(policy: TrafficPolicy | undefined, host: string, credentialNamespace?: string): Record<string, unknown> {
  if (!policy) return {};
  const socket = upstreamTransportSocket(policy.tls, { host, ...(credentialNamespace !== undefined ? { credentialNamespace } : {}) });
  return {
    ...loadBalancerFields(policy.loadBalancer),
    ...upstreamConnectionFields(policy),
    ...circuitBreakerFields(policy),
    ...outlierDetectionFields(policy),
    ...(socket ? { transport_socket: socket } : {}),
  };
}
