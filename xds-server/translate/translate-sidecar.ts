import { serviceClustersFor } from './clusters/service-clusters.ts';
import { inboundCluster, inboundListener } from './listeners/inbound.ts';
import { outboundListener } from './listeners/outbound.ts';
import type { MeshIndex } from './mesh/mesh-model.ts';
import { visibleService } from './mesh/proxy-view.ts';
import { DEFAULT_OUTBOUND_PORT, type ProxyDescriptor } from './proxy-descriptor.ts';
import { outboundRouteConfiguration } from './routes/outbound-route-configuration.ts';
import type { RouteContext } from './routes/route-context.ts';
import { inboundSecurity } from './security/inbound-security.ts';
import { trustDomainOf } from './security/trust-domain.ts';
import { byName } from './sort-named.ts';
import type { Named, TranslationResult } from './translation-result.ts';

/** Everything an Envoy sidecar is served: the inbound listener and cluster, and the local-mode outbound listener with its routes, clusters and endpoints. */
export function translateSidecar(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  const ctx: RouteContext = { index, flavour: 'sidecar', namespace: proxy.namespace, labels: proxy.labels, issues: [...index.issues] };
  const services = [...index.services.keys()].flatMap((host) => visibleService(index, host, proxy.namespace) ?? []);
  const clusters: Named[] = [];
  const endpoints: Named[] = [];
  const mtls = { trustDomain: trustDomainOf(index), workloadCertificate: proxy.sds === true };
  for (const service of services) {
    const pieces = serviceClustersFor(index, service, proxy.namespace, 'sidecar', mtls);
    clusters.push(...pieces.clusters);
    endpoints.push(...pieces.endpoints);
    ctx.issues.push(...pieces.issues);
  }
  const routes = [outboundRouteConfiguration(ctx, services)];
  const listeners = [outboundListener(proxy.outboundPort ?? DEFAULT_OUTBOUND_PORT)];
  if (proxy.inbound) {
    const security = inboundSecurity(index, proxy, proxy.inbound.port, ctx.issues);
    if (security.serve) listeners.push(inboundListener(proxy.inbound, security));
    clusters.push(inboundCluster(proxy.inbound), ...security.clusters);
  }
  return { clusters: byName(clusters), endpoints: byName(endpoints), listeners: byName(listeners), routes: byName(routes), issues: ctx.issues };
}
