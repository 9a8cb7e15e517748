import { serviceClustersFor } from '../clusters/service-clusters.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';
import { visibleService } from '../mesh/proxy-view.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { RouteContext } from '../routes/route-context.ts';
import { trustDomainOf } from '../security/trust-domain.ts';
import { byName } from '../sort-named.ts';
import type { Named, TranslationResult } from '../translation-result.ts';
import type { GatewayCredential } from './gateway-credential.ts';
import { gatewayListeners } from './gateway-listeners.ts';
import { gatewaySecurity } from './gateway-security.ts';
import { gatewaySecrets } from './gateway-secrets.ts';
import { gatewayServers, selectedGateways } from './gateway-selection.ts';
import { originationClusters } from './origination-credentials.ts';

/**
 * Everything an Envoy gateway is served: listeners for the servers of the Gateways that select
 * it, routes from the VirtualServices bound to them (JWT claims matched once a
 * RequestAuthentication selecting the gateway verified the token), the RequestAuthentications and
 * AuthorizationPolicies selecting it, clusters for the services it can reach,
 * and the uploaded credentials (`namespace/name`, in its own namespace) its servers use.
 */
export function translateGateway(index: MeshIndex, proxy: ProxyDescriptor, credentials: ReadonlyMap<string, GatewayCredential> = new Map()): TranslationResult {
  const ctx: RouteContext = { index, flavour: 'sidecar', namespace: proxy.namespace, labels: proxy.labels, issues: [...index.issues] };
  const trustDomain = trustDomainOf(index);
  const servers = gatewayServers(selectedGateways(index, proxy));
  const security = gatewaySecurity(index, proxy, trustDomain, ctx.issues);
  const built = gatewayListeners(ctx, servers, proxy.gateway, { namespace: proxy.namespace, trustDomain, sds: proxy.sds === true, credentials }, security.httpFilters);
  const clusters: Named[] = [...security.clusters];
  const endpoints: Named[] = [];
  const mtls = { trustDomain, workloadCertificate: proxy.sds === true };
  for (const host of index.services.keys()) {
    const service = visibleService(index, host, proxy.namespace);
    if (!service) continue;
    const pieces = serviceClustersFor(index, service, proxy.namespace, 'sidecar', mtls, proxy.locality, false, proxy.namespace);
    clusters.push(...originationClusters(pieces.clusters, credentials, built.secrets, ctx.issues));
    endpoints.push(...pieces.endpoints);
    ctx.issues.push(...pieces.issues);
  }
  return {
    clusters: byName(clusters),
    endpoints: byName(endpoints),
    listeners: byName(built.listeners),
    routes: byName(built.routes),
    secrets: gatewaySecrets(built.secrets, credentials),
    issues: ctx.issues,
  };
}
