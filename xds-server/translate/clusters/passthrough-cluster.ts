import { DFP_CLUSTER_NAME, DFP_CLUSTER_TYPE } from '../envoy/traffic-extension-types.ts';
import type { Named } from '../translation-result.ts';

/** ALLOW_ANY in local mode: an unknown Host is forwarded to that host (DNS name or IP, port from Host or 80). */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

/** The DNS cache the passthrough filter and cluster share (Envoy requires the same config on both). */
export function passthroughDnsCache(): Record<string, unknown> {
  return { name: 'trellis_passthrough', dns_lookup_family: 'V4_PREFERRED', max_hosts: { value: 1024 } };
}

/** A dynamic forward proxy cluster: without traffic redirection the Host header is the only original destination. */
export function passthroughCluster(): Named {
  return {
    name: PASSTHROUGH_CLUSTER,
    resource: {
      name: PASSTHROUGH_CLUSTER,
      connect_timeout: { seconds: 10, nanos: 0 },
      lb_policy: 'CLUSTER_PROVIDED',
      cluster_type: { name: DFP_CLUSTER_NAME, typed_config: { '@type': DFP_CLUSTER_TYPE, dns_cache_config: passthroughDnsCache() } },
    },
  };
}
