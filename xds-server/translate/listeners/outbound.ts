import { OUTBOUND_HTTP_ROUTE_NAME, outboundListenerName } from '../envoy/resource-names.ts';
import type { Named } from '../translation-result.ts';
import { httpConnectionManager, httpFilterChain } from './http-connection-manager.ts';
import { outboundHttpFilters } from './outbound-http-filters.ts';

/** The local-mode outbound listener: HTTP on 127.0.0.1:<port>, routed by Host through RDS `outbound|http`. */
export function outboundListener(port: number): Named {
  const name = outboundListenerName(port);
  return {
    name,
    resource: {
      name,
      address: { socket_address: { address: '127.0.0.1', port_value: port } },
      filter_chains: [httpFilterChain(httpConnectionManager(`outbound_${port}`, { rds: OUTBOUND_HTTP_ROUTE_NAME }, outboundHttpFilters()))],
    },
  };
}
