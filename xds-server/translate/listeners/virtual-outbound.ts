import { TCP_PROXY_FILTER_NAME, TCP_PROXY_TYPE } from '../envoy/traffic-extension-types.ts';
import { VIRTUAL_OUTBOUND_LISTENER_NAME } from '../envoy/resource-names.ts';
import type { Named } from '../translation-result.ts';

/** A filter chain that TCP-proxies whatever arrives to one cluster. */
export function tcpProxyChain(name: string, cluster: string, statPrefix: string): Record<string, unknown> {
  return { name, filters: [{ name: TCP_PROXY_FILTER_NAME, typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix, cluster } }] };
}

/**
 * REDIRECT mode: every outbound connection of the app lands on 0.0.0.0:<port>. `use_original_dst`
 * hands it to the listener of its original port (bind_to_port false); what no listener claims
 * goes to `fallbackCluster` (PassthroughCluster under ALLOW_ANY, BlackHoleCluster under REGISTRY_ONLY).
 */
export function virtualOutboundListener(port: number, fallbackCluster: string): Named {
  const name = VIRTUAL_OUTBOUND_LISTENER_NAME;
  return {
    name,
    resource: {
      name,
      address: { socket_address: { address: '0.0.0.0', port_value: port } },
      use_original_dst: { value: true },
      filter_chains: [tcpProxyChain('virtualOutbound-catchall-tcp', fallbackCluster, fallbackCluster)],
    },
  };
}
