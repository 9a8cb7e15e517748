import { BLACK_HOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER } from '../clusters/original-dst-clusters.ts';
import { ORIGINAL_DST_FILTER_NAME, ORIGINAL_DST_TYPE } from '../envoy/traffic-extension-types.ts';
import { VIRTUAL_INBOUND_LISTENER_NAME } from '../envoy/resource-names.ts';
import { DEFAULT_INBOUND_LISTENER_PORT, type ProxyDescriptor } from '../proxy-descriptor.ts';
import type { Named } from '../translation-result.ts';
import { inboundAppFields, type InboundSecurityFields } from './inbound.ts';
import { tcpProxyChain } from './virtual-outbound.ts';

type Obj = Record<string, unknown>;
type Inbound = NonNullable<ProxyDescriptor['inbound']>;

/** Narrows every chain to connections whose original destination port is the app's. */
function onAppPort(chains: readonly Obj[], port: number): Obj[] {
  return chains.map((c) => ({ ...c, filter_chain_match: { ...(c['filter_chain_match'] as Obj | undefined), destination_port: { value: port } } }));
}

/**
 * REDIRECT mode: every inbound connection lands on 0.0.0.0:<listenerPort>; original_dst restores
 * its destination so chains match by port. The app's port gets the same chains (mTLS, RBAC, JWT)
 * as the local-mode inbound listener; other ports pass through to their original destination.
 * `serve` false (STRICT without a certificate) sends the app's port to BlackHoleCluster: fail closed,
 * not through the passthrough.
 */
export function virtualInboundListener(inbound: Inbound, security: InboundSecurityFields & { serve: boolean }): Named {
  const name = VIRTUAL_INBOUND_LISTENER_NAME;
  const app = security.serve ? inboundAppFields(inbound, security) : { filter_chains: [tcpProxyChain(`inbound|${inbound.port}|refused`, BLACK_HOLE_CLUSTER, BLACK_HOLE_CLUSTER)] };
  // The app port's listener filters (tls_inspector for PERMISSIVE) would stall server-first protocols on passthrough ports.
  const onlyAppPort = { not_match: { destination_port_range: { start: inbound.port, end: inbound.port + 1 } } };
  const listenerFilters = ((app['listener_filters'] as Obj[] | undefined) ?? []).map((f) => ({ ...f, filter_disabled: onlyAppPort }));
  return {
    name,
    resource: {
      name,
      address: { socket_address: { address: '0.0.0.0', port_value: inbound.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT } },
      listener_filters: [{ name: ORIGINAL_DST_FILTER_NAME, typed_config: { '@type': ORIGINAL_DST_TYPE } }, ...listenerFilters],
      filter_chains: [...onAppPort(app['filter_chains'] as Obj[], inbound.port), tcpProxyChain('virtualInbound-passthrough', INBOUND_PASSTHROUGH_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER)],
    },
  };
}
