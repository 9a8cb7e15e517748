import { createHash } from 'node:crypto';
import { NEEDS_ORIGINAL_DESTINATION } from '../../core/resources/index.ts';
import { BLACK_HOLE_CLUSTER, blackHoleCluster, inboundPassthroughCluster, redirectPassthroughCluster } from './clusters/original-dst-clusters.ts';
import { PASSTHROUGH_CLUSTER, passthroughCluster } from './clusters/passthrough-cluster.ts';
import { needsOriginalDestination } from './clusters/outbound-clusters.ts';
import { serviceClustersFor } from './clusters/service-clusters.ts';
import { inboundCluster, inboundListener } from './listeners/inbound.ts';
import { outboundListener } from './listeners/outbound.ts';
import { portListeners } from './listeners/port-listeners.ts';
import { tcpOutboundListeners } from './listeners/tcp-outbound.ts';
import { virtualInboundListener } from './listeners/virtual-inbound.ts';
import { virtualOutboundListener } from './listeners/virtual-outbound.ts';
import { REGISTRY_SERVICE_PREFIX, type MeshIndex } from './mesh/mesh-model.ts';
import { visibleService } from './mesh/proxy-view.ts';
import { inScopeByPort, scopeContext, selectSidecar, sidecarScopeFor, type SidecarScope } from './mesh/sidecar-scope.ts';
import { memoizedInIndex } from './mesh/memo.ts';
import { sourceLabelSignature } from './mesh/source-labels.ts';
import { DEFAULT_INBOUND_LISTENER_PORT, DEFAULT_OUTBOUND_PORT, type ProxyDescriptor } from './proxy-descriptor.ts';
import { outboundRouteConfiguration } from './routes/outbound-route-configuration.ts';
import type { RouteContext } from './routes/route-context.ts';
import { inboundSecurity } from './security/inbound-security.ts';
import { sidecarIngress } from './listeners/sidecar-ingress.ts';
import { trustDomainOf } from './security/trust-domain.ts';
import { byName } from './sort-named.ts';
import type { Named, TranslationResult } from './translation-result.ts';

/**
 * Everything an Envoy sidecar is served: the inbound listener and cluster, and the outbound
 * listeners with their routes, clusters and endpoints. Local mode (NONE): HTTP on 127.0.0.1:15001
 * by Host. REDIRECT: virtualOutbound/virtualInbound and one handoff listener per service port.
 * The same as `translateSidecarShared` plus `translateSidecarInbound`, which the control plane
 * publishes separately so proxies of one group share the first.
 */
export function translateSidecar(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  const shared = translateSidecarShared(index, proxy);
  const inbound = translateSidecarInbound(index, proxy);
  return {
    clusters: byName([...shared.clusters, ...inbound.clusters]),
    endpoints: shared.endpoints,
    listeners: byName([...shared.listeners, ...inbound.listeners]),
    routes: shared.routes,
    issues: [...shared.issues, ...inbound.issues],
  };
}

/**
 * The outbound side: the same for every proxy of a group (namespace, labels, locality, listener
 * ports, modes), whatever its address and app port.
 */
export function translateSidecarShared(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  const scope = sidecarScopeFor(index, proxy);
  // Groups differ by labels, but the outbound side reads them only through the Sidecar chosen and sourceLabels matches:
  // groups equal in those (and in the rest of their key) share one translation per revision.
  const key = [
    'shared',
    proxy.namespace,
    scope?.key ?? '',
    sourceLabelSignature(index, proxy.labels),
    proxy.locality ?? '',
    proxy.interceptionMode ?? 'NONE',
    proxy.sds === true ? 'sds' : '',
    proxy.outboundPort ?? DEFAULT_OUTBOUND_PORT,
    proxy.inbound?.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT,
  ].join('|');
  return memoizedInIndex(index, key, () => translateOutbound(index, proxy, scope));
}

function translateOutbound(index: MeshIndex, proxy: ProxyDescriptor, scope: SidecarScope | undefined): TranslationResult {
  const ctx: RouteContext = { index, flavour: 'sidecar', namespace: proxy.namespace, labels: proxy.labels, issues: [...index.issues], ...scopeContext(index, scope) };
  const services = [...index.services.keys()].flatMap((host) => visibleService(index, host, proxy.namespace) ?? []).filter((s) => !scope || s.ports.some((p) => scope.allows(s, p.number)));
  const clusters: Named[] = [];
  const endpoints: Named[] = [];
  const mtls = { trustDomain: trustDomainOf(index), workloadCertificate: proxy.sds === true };
  const redirect = proxy.interceptionMode === 'REDIRECT';
  for (const service of services) {
    const pieces = serviceClustersFor(index, service, proxy.namespace, 'sidecar', mtls, proxy.locality, redirect);
    clusters.push(...inScopeByPort(scope, service, pieces.clusters));
    endpoints.push(...inScopeByPort(scope, service, pieces.endpoints));
    ctx.issues.push(...pieces.issues);
  }
  const outboundPort = proxy.outboundPort ?? DEFAULT_OUTBOUND_PORT;
  const reserved = new Set([outboundPort, proxy.inbound?.listenerPort ?? DEFAULT_INBOUND_LISTENER_PORT]);
  const routes: Named[] = [];
  const listeners: Named[] = [];
  if (redirect) {
    const ports = portListeners(ctx, services, reserved);
    routes.push(...ports.routes);
    listeners.push(virtualOutboundListener(outboundPort, ctx.outboundMode === 'ALLOW_ANY' ? PASSTHROUGH_CLUSTER : BLACK_HOLE_CLUSTER), ...ports.listeners);
    clusters.push(blackHoleCluster(), ...(ctx.outboundMode === 'ALLOW_ANY' ? [redirectPassthroughCluster()] : []));
  } else {
    // What has no cluster here (reported with it) gets no route or listener either: ALLOW_ANY passes its Host through.
    const served = services.filter((s) => !needsOriginalDestination(s));
    routes.push(outboundRouteConfiguration(ctx, served));
    listeners.push(outboundListener(outboundPort), ...tcpOutboundListeners(ctx, served, reserved));
    if (ctx.outboundMode === 'ALLOW_ANY') clusters.push(passthroughCluster());
    // A mirrored Kubernetes Service's cluster IP is not the user's to fix: only configured addresses are reported.
    for (const s of services) if (s.addresses && !s.source.split('/')[2]?.startsWith(REGISTRY_SERVICE_PREFIX)) ctx.issues.push({ resource: s.source, field: 'spec.addresses', message: `${s.host}: addresses ${NEEDS_ORIGINAL_DESTINATION}; reach it by Host` });
  }
  return { clusters: byName(clusters), endpoints: byName(endpoints), listeners: byName(listeners), routes: byName(routes), issues: ctx.issues };
}

/** The inbound side of one proxy: its listener for the app port (with the security policies) and the clusters behind it. */
/**
 * A key that changes whenever anything `translateSidecarInbound` reads of the index may change:
 * the security policies, Sidecars and Telemetry, the mesh settings, and the services without
 * their endpoints (authorizer and telemetry backends resolve through them). Routes, destination
 * rules and endpoints never reach a proxy's inbound side, so a route edit or a registration
 * leaves the key equal. (EnvoyFilters: envoy-filter/index.ts adds them.)
 */
export function inboundInputsKey(index: MeshIndex): string {
  return memoizedInIndex(index, 'inbound-inputs', () => {
    const hash = createHash('sha256').update(JSON.stringify([index.settings, index.security, index.sidecars, index.telemetries]));
    for (const service of index.services.values()) hash.update(JSON.stringify({ ...service, endpoints: undefined }));
    return hash.digest('base64url');
  });
}

export function translateSidecarInbound(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  const issues: TranslationResult['issues'] = [];
  const clusters: Named[] = [];
  const listeners: Named[] = [];
  if (proxy.inbound) {
    const redirect = proxy.interceptionMode === 'REDIRECT';
    const security = inboundSecurity(index, proxy, proxy.inbound.port, issues);
    if (redirect) listeners.push(virtualInboundListener(proxy.inbound, security));
    else if (security.serve) listeners.push(inboundListener(proxy.inbound, security));
    // The proxy's Sidecar: its inbound connection pool and its ingress listeners.
    const sidecar = selectSidecar(index.sidecars, proxy.namespace, proxy.labels);
    clusters.push(inboundCluster(proxy.inbound, sidecar?.spec.inboundConnectionPool), ...security.clusters, ...(redirect ? [inboundPassthroughCluster()] : []));
    const ingress = sidecarIngress(index, proxy, sidecar, issues);
    listeners.push(...ingress.listeners);
    for (const c of ingress.clusters) if (!clusters.some((known) => known.name === c.name)) clusters.push(c);
  }
  return { clusters: byName(clusters), endpoints: [], listeners: byName(listeners), routes: [], issues };
}
