import { PASSTHROUGH_CLUSTER } from './passthrough-cluster.ts';
import type { Named } from '../translation-result.ts';

/** REGISTRY_ONLY and refused connections in REDIRECT mode: no endpoints, so Envoy closes them. */
export const BLACK_HOLE_CLUSTER = 'BlackHoleCluster';
/** Redirected inbound connections to ports that are not the app's mesh port. */
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

const CONNECT_TIMEOUT = { seconds: 10, nanos: 0 };

function originalDestination(name: string): Named {
  return { name, resource: { name, type: 'ORIGINAL_DST', connect_timeout: CONNECT_TIMEOUT, lb_policy: 'CLUSTER_PROVIDED' } };
}

/** ALLOW_ANY in REDIRECT mode: the redirected connection's original IP:port is the destination, no DNS needed. */
export function redirectPassthroughCluster(): Named {
  return originalDestination(PASSTHROUGH_CLUSTER);
}

export function inboundPassthroughCluster(): Named {
  return originalDestination(INBOUND_PASSTHROUGH_CLUSTER);
}

export function blackHoleCluster(): Named {
  return { name: BLACK_HOLE_CLUSTER, resource: { name: BLACK_HOLE_CLUSTER, type: 'STATIC', connect_timeout: CONNECT_TIMEOUT } };
}
