import { inboundPoolFields, type InboundPool } from '../clusters/inbound-pool.ts';
import { ZERO_DURATION } from '../envoy/duration.ts';
import { TCP_PROXY_FILTER_NAME, TCP_PROXY_TYPE } from '../envoy/traffic-extension-types.ts';
import type { MeshIndex, SidecarEntry } from '../mesh/mesh-model.ts';
import { isHttpPort } from '../mesh/port-protocol.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import { inboundSecurity } from '../security/inbound-security.ts';
import { RBAC_FILTER_NAME } from '../security/security-types.ts';
import type { Named, TranslationIssue } from '../translation-result.ts';
import { httpConnectionManager, httpFilterChain } from './http-connection-manager.ts';

const listenerName = (port: number) => `inbound|ingress|${port}`;
const clusterName = (port: number) => `inbound|${port}|ingress|`;

/** Where `defaultEndpoint` forwards: loopback as written, `0.0.0.0`/`[::]` the proxy's own address, `unix://` a socket. */
function endpointAddress(endpoint: string, instanceAddress: string): Record<string, unknown> {
  if (endpoint.startsWith('unix://')) return { pipe: { path: endpoint.slice('unix://'.length) } };
  const at = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, at);
  const target = Number(endpoint.slice(at + 1));
  const address = host === '0.0.0.0' || host === '[::]' ? instanceAddress : host === '[::1]' ? '::1' : host;
  return { socket_address: { address, port_value: target } };
}

function ingressCluster(endpoint: string, port: number, instanceAddress: string, http: boolean, pool: InboundPool | undefined): Named {
  const name = clusterName(port);
  return {
    name,
    resource: {
      name,
      type: 'STATIC',
      connect_timeout: { seconds: 10, nanos: 0 },
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: endpointAddress(endpoint, instanceAddress) } }] }] },
      ...inboundPoolFields(pool, http),
    },
  };
}

/**
 * Sidecar `ingress`: one listener per entry on the proxy's inbound address and the entry's port,
 * forwarding to its `defaultEndpoint` (as Istio's sidecars do without traffic capture), with the
 * security policies of that port. HTTP ports route through an HTTP connection manager; other
 * ports are proxied as TCP, which carries no RBAC filter, so a TCP port of a workload that
 * AuthorizationPolicies select is not served (fail closed) and is reported.
 */
export function sidecarIngress(index: MeshIndex, proxy: ProxyDescriptor, sidecar: SidecarEntry | undefined, issues: TranslationIssue[]): { listeners: Named[]; clusters: Named[] } {
  const out = { listeners: [] as Named[], clusters: [] as Named[] };
  const inbound = proxy.inbound;
  if (proxy.kind !== 'sidecar' || !inbound) return out;
  const ingress = sidecar?.spec.ingress ?? [];
  if (ingress.length > 0 && proxy.interceptionMode === 'REDIRECT') {
    issues.push({ resource: sidecar!.source, field: 'spec.ingress', message: 'ingress listeners are translated for proxies without traffic redirection; this REDIRECT proxy keeps its inbound listener' });
    return out;
  }
  ingress.forEach((l, i) => {
    const port = l.port.number;
    if (port === undefined) return;
    if (l.defaultEndpoint === undefined) {
      // Without redirection the proxy itself listens on the port: there is no app port to assume.
      issues.push({ resource: sidecar!.source, field: `spec.ingress[${i}].defaultEndpoint`, message: `port ${port}: an ingress listener without traffic redirection needs defaultEndpoint; not served` });
      return;
    }
    const http = isHttpPort({ number: port, name: l.port.name ?? '', protocol: l.port.protocol?.toUpperCase(), targetPort: undefined });
    const security = inboundSecurity(index, proxy, port, issues);
    if (!security.serve) return;
    // CUSTOM policies put a shadow RBAC filter in front of ext_authz, so every policy shows as an RBAC filter.
    if (!http && security.httpFilters.some((f) => f['name'] === RBAC_FILTER_NAME)) {
      issues.push({ resource: sidecar!.source, field: `spec.ingress[${i}]`, message: `TCP port ${port}: AuthorizationPolicies select this workload and TCP ingress carries no RBAC filter; not served` });
      return;
    }
    // The entry's own pool, else the Sidecar's inbound one (Istio's precedence).
    const cluster = ingressCluster(l.defaultEndpoint, port, inbound.bindAddress, http, l.connectionPool ?? sidecar!.spec.inboundConnectionPool);
    const chain = http
      ? httpFilterChain({
          ...httpConnectionManager(`inbound_ingress_${port}`, { inline: { name: listenerName(port), virtual_hosts: [{ name: `inbound|ingress|${port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: cluster.name, timeout: ZERO_DURATION } }] }] } }, security.httpFilters),
          ...security.hcmFields,
        })
      : { filters: [{ name: TCP_PROXY_FILTER_NAME, typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: `inbound_ingress_${port}`, cluster: cluster.name } }] };
    const name = listenerName(port);
    out.listeners.push({ name, resource: { name, address: { socket_address: { address: inbound.bindAddress, port_value: port } }, ...security.listenerFields(chain) } });
    out.clusters.push(cluster, ...security.clusters);
  });
  return out;
}
