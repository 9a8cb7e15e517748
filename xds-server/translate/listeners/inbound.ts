import { inboundPoolFields, type InboundPool } from '../clusters/inbound-pool.ts';
import { ZERO_DURATION } from '../envoy/duration.ts';
import { inboundClusterName, inboundListenerName } from '../envoy/resource-names.ts';
import { DEFAULT_INBOUND_LISTENER_PORT, type ProxyDescriptor } from '../proxy-descriptor.ts';
import type { InboundSecurity } from '../security/inbound-security.ts';
import type { Named } from '../translation-result.ts';
import { httpConnectionManager, httpFilterChain } from './http-connection-manager.ts';

type Inbound = NonNullable<ProxyDescriptor['inbound']>;

/** The cluster for the local app: 127.0.0.1:<app port>, speaking whatever HTTP version the caller spoke. */
export function inboundCluster(inbound: Inbound, pool?: InboundPool): Named {
  const name = inboundClusterName(inbound.port);
  return {
    name,
    resource: {
      name,
      type: 'STATIC',
      connect_timeout: { seconds: 10, nanos: 0 },
      load_assignment: {
        cluster_name: name,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: inbound.port } } } }] }],
      },
      ...inboundPoolFields(pool, true),
    },
  };
}

/** Plaintext, or the chains the security policies build around it. */
function inboundChains(chain: Record<string, unknown>, security: Pick<InboundSecurity, 'listenerFields'> | undefined): Record<string, unknown> {
  return security ? security.listenerFields(chain) : { filter_chains: [chain] };
}

export type InboundSecurityFields = Pick<InboundSecurity, 'httpFilters' | 'hcmFields' | 'listenerFields'>;

/** The listener serving the workload's port: bindAddress:listenerPort → the app (routes inline, as Istio does inbound). */
export function inboundListener(inbound: Inbound, security?: InboundSecurityFields): Named {
  const name = inboundListenerName(inbound.port);
  return {
    name,
    resource: {
      name,
      address: { socket_address: { address: inbound.bindAddress, port_value: inbound.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT } },
      ...inboundAppFields(inbound, security),
    },
  };
}

/** The filter chains (and listener filters) that serve the app's port, with the security policies around them. */
export function inboundAppFields(inbound: Inbound, security?: InboundSecurityFields): Record<string, unknown> {
  const name = inboundListenerName(inbound.port);
  const routeConfig = {
    name,
    virtual_hosts: [
      {
        name: `inbound|http|${inbound.port}`,
        domains: ['*'],
        routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: inboundClusterName(inbound.port), timeout: ZERO_DURATION } }],
      },
    ],
  };
  return inboundChains(httpFilterChain({ ...httpConnectionManager(`inbound_${inbound.port}`, { inline: routeConfig }, security?.httpFilters), ...security?.hcmFields }), security);
}
