import type { ExtAuthzGrpc, ExtAuthzHttp, ExtensionProvider } from '../../../core/mesh/extension-providers.ts';
import { isIpAddress } from '../../../core/resources/formats/ip.ts';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE } from '../envoy/extension-types.ts';
import { outboundClusterName } from '../envoy/resource-names.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';
import { isHttp2Port } from '../mesh/port-protocol.ts';
import { visibleService } from '../mesh/proxy-view.ts';
import { sidecarScopeFor } from '../mesh/sidecar-scope.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { Named } from '../translation-result.ts';

/** Where a proxy sends its checks for one provider: a mesh service's cluster, or one of its own. */
export interface ExtAuthzTarget {
  kind: 'http' | 'grpc';
  config: ExtAuthzHttp | ExtAuthzGrpc;
  host: string;
  cluster: string;
  /** A cluster the proxy needs besides the mesh's (the authorizer is not in the registry). */
  ownCluster?: Named;
  /** Why the target may not work, for the translation issues. */
  warning?: string;
}

const CONNECT_TIMEOUT = { seconds: 10, nanos: 0 };

/** A cluster reaching an authorizer outside the registry directly (DNS unless it is an IP); HTTP/2 for gRPC. */
function directCluster(name: string, host: string, port: number, grpc: boolean): Named {
  const resource: Record<string, unknown> = {
    name,
    type: isIpAddress(host) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: CONNECT_TIMEOUT,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }] },
  };
  if (!isIpAddress(host)) resource['dns_lookup_family'] = 'V4_PREFERRED';
  if (grpc) resource['typed_extension_protocol_options'] = { [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': HTTP_PROTOCOL_OPTIONS_TYPE, explicit_http_config: { http2_protocol_options: {} } } };
  return { name, resource };
}

/**
 * Resolves a provider's `service:port` as the proxy sees the mesh: a ServiceEntry host visible to
 * it (and in its Sidecar scope) is reached through that service's outbound cluster; a host the
 * registry does not know gets a cluster of its own. A registered host the proxy may not reach
 * is an error (the reason is returned), never a silent detour around exportTo or the scope.
 */
export function extAuthzTarget(index: MeshIndex, proxy: ProxyDescriptor, provider: ExtensionProvider): ExtAuthzTarget | string {
  const kind = provider.envoyExtAuthzHttp ? 'http' : 'grpc';
  const config = (provider.envoyExtAuthzHttp ?? provider.envoyExtAuthzGrpc)!;
  const host = config.service.includes('/') ? config.service.slice(config.service.indexOf('/') + 1) : config.service;
  if (!index.services.has(host)) {
    const cluster = `ext-authz|${host}|${config.port}`;
    return { kind, config, host, cluster, ownCluster: directCluster(cluster, host, config.port, kind === 'grpc') };
  }
  const service = visibleService(index, host, proxy.namespace);
  if (!service) return `${host} is not exported to namespace ${proxy.namespace}`;
  const port = service.ports.find((p) => p.number === config.port);
  if (!port) return `${host} has no port ${config.port}`;
  const scope = sidecarScopeFor(index, proxy);
  if (scope && !scope.allows(service, port.number)) return `${host}:${config.port} is outside the Sidecar scope of ${proxy.namespace}/${proxy.workload} (${scope.source})`;
  const warning = kind === 'grpc' && !isHttp2Port(port) ? `${host} port ${config.port} is not declared GRPC or HTTP2, so the gRPC checks go over HTTP/1.1 and fail` : undefined;
  return { kind, config, host, cluster: outboundClusterName(port.number, '', host), ...(warning ? { warning } : {}) };
}
