import { providerHost } from '../../../core/mesh/provider-fields.ts';
import { isIpAddress } from '../../../core/resources/formats/ip.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE } from '../envoy/extension-types.ts';
import { outboundClusterName } from '../envoy/resource-names.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';
import { visibleService } from '../mesh/proxy-view.ts';
import { sidecarScopeFor } from '../mesh/sidecar-scope.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { Named } from '../translation-result.ts';

/** Where a proxy sends spans or log records: a mesh service's cluster, or one of its own. */
export interface TelemetryBackend {
  host: string;
  port: number;
  cluster: string;
  /** A cluster the proxy needs besides the mesh's (the backend is not in the registry). */
  ownCluster?: Named;
}

const CONNECT_TIMEOUT = { seconds: 5, nanos: 0 };

function directCluster(name: string, host: string, port: number, grpc: boolean): Named {
  const ip = isIpAddress(host);
  const resource: Record<string, unknown> = {
    name,
    type: ip ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: CONNECT_TIMEOUT,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }] },
  };
  if (!ip) resource['dns_lookup_family'] = 'V4_PREFERRED';
  if (grpc) resource['typed_extension_protocol_options'] = { [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, explicit_http_config: { http2_protocol_options: {} } } };
  return { name, resource };
}

/**
 * Resolves a provider's `service:port` as the proxy sees the mesh: a ServiceEntry host visible to
 * it (and in its Sidecar scope) through that service's cluster; a host the registry does not know
 * through a cluster of its own. A registered host the proxy may not reach is refused (the reason
 * is returned) rather than reached around exportTo or the scope.
 */
export function telemetryBackend(index: MeshIndex, proxy: ProxyDescriptor, service: string, port: number, grpc: boolean): TelemetryBackend | string {
  const host = providerHost(service);
  if (!index.services.has(host)) {
    const cluster = `telemetry|${host}|${port}${grpc ? '|grpc' : ''}`;
    return { host, port, cluster, ownCluster: directCluster(cluster, host, port, grpc) };
  }
  const visible = visibleService(index, host, proxy.namespace);
  if (!visible) return `${host} is not exported to namespace ${proxy.namespace}`;
  if (!visible.ports.some((p) => p.number === port)) return `${host} has no port ${port}`;
  const scope = proxy.kind === 'sidecar' ? sidecarScopeFor(index, proxy) : undefined;
  if (scope && !scope.allows(visible, port)) return `${host}:${port} is outside the Sidecar scope of namespace ${proxy.namespace} (${scope.source})`;
  return { host, port, cluster: outboundClusterName(port, '', host) };
}
