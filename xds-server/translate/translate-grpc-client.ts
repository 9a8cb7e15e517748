import { serviceClustersFor } from './clusters/service-clusters.ts';
import { grpcListenerName } from './envoy/resource-names.ts';
import { grpcApiListener } from './listeners/grpc-api-listener.ts';
import type { MeshIndex } from './mesh/mesh-model.ts';
import { isHttpPort } from './mesh/port-protocol.ts';
import { visibleService } from './mesh/proxy-view.ts';
import type { ProxyDescriptor } from './proxy-descriptor.ts';
import { portDomains } from './routes/outbound-route-configuration.ts';
import type { RouteContext } from './routes/route-context.ts';
import { serviceVirtualHost } from './routes/virtual-host.ts';
import { byName } from './sort-named.ts';
import type { Named, TranslationResult } from './translation-result.ts';

/**
 * What a proxyless gRPC client is served: per service port a Listener `<host>:<port>` (the
 * `xds:///` target) with an api_listener, its RouteConfiguration of the same name, and EDS
 * clusters with locality-weighted load assignments.
 */
export function translateGrpcClient(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  const ctx: RouteContext = { index, flavour: 'grpc', namespace: proxy.namespace, labels: proxy.labels, issues: [...index.issues] };
  const clusters: Named[] = [];
  const endpoints: Named[] = [];
  const listeners: Named[] = [];
  const routes: Named[] = [];
  for (const host of index.services.keys()) {
    const service = visibleService(index, host, proxy.namespace);
    if (!service || service.host.includes('*')) continue;
    const pieces = serviceClustersFor(index, service, proxy.namespace, 'grpc');
    clusters.push(...pieces.clusters);
    endpoints.push(...pieces.endpoints);
    ctx.issues.push(...pieces.issues);
    for (const port of service.ports.filter(isHttpPort)) {
      const name = grpcListenerName(service.host, port.number);
      const built = serviceVirtualHost(ctx, service, port, name, portDomains(service.host, proxy.namespace, port.number, true));
      ctx.issues.push(...built.issues);
      listeners.push(grpcApiListener(name, name));
      routes.push({ name, resource: { name, virtual_hosts: [built.virtualHost] } });
    }
  }
  return { clusters: byName(clusters), endpoints: byName(endpoints), listeners: byName(listeners), routes: byName(routes), issues: ctx.issues };
}
