import type { RouteContext } from '../routes/route-context.ts';
import { virtualServiceRoutes } from '../routes/http-routes.ts';
import type { Named } from '../translation-result.ts';
import { boundVirtualServices, hostsFor, type GatewayServer } from './gateway-selection.ts';
import { intersectAll } from './host-intersection.ts';

type Obj = Record<string, unknown>;

/** Istio's route names: `http.<port>` for plain HTTP servers, one per terminating HTTPS server. */
export const httpRouteName = (port: number) => `http.${port}`;
export const httpsRouteName = (s: GatewayServer) => `https.${s.server.port.number}.${s.server.port.name}.${s.gateway.name}.${s.gateway.namespace}`;

/** A host and its `host:<any port>` form (Envoy matches Host with its port otherwise); a wildcard host stays alone. */
const domainsOf = (host: string) => (host.includes('*') ? [host] : [host, `${host}:*`]);

/**
 * Virtual hosts for servers that share one route configuration: for each bound VirtualService,
 * its hosts intersected with the server hosts (namespace-qualified), with the VirtualService's
 * HTTP routes as this gateway sees them. VirtualServices naming the same host merge in source
 * order; a domain already taken is reported and dropped.
 */
function virtualHosts(ctx: RouteContext, servers: readonly GatewayServer[], port: number): Obj[] {
  const byHost = new Map<string, { redirect: boolean; routes: Obj[] }>();
  const used = new Set<string>();
  for (const s of servers) {
    const redirect = s.server.tls?.httpsRedirect === true;
    const local: RouteContext = { ...ctx, gateways: [s.ref] };
    const covered: string[] = [];
    for (const vs of boundVirtualServices(ctx.index, s.ref, s.gateway.namespace)) {
      const hosts = intersectAll(vs.spec.hosts ?? [], hostsFor(s, vs.namespace));
      if (hosts.length === 0) continue;
      const routes = virtualServiceRoutes(local, vs, port);
      for (const host of hosts) {
        covered.push(host);
        const entry = byHost.get(host);
        if (entry) entry.routes.push(...routes);
        else byHost.set(host, { redirect, routes: [...routes] });
      }
    }
    // An HTTPS redirect answers 301 for the server's hosts even before a VirtualService routes them.
    if (redirect) {
      for (const h of s.hosts) if (!covered.includes(h.host) && !byHost.has(h.host)) byHost.set(h.host, { redirect, routes: [] });
    }
  }
  const result: Obj[] = [];
  for (const [host, { redirect, routes }] of byHost) {
    const domains = domainsOf(host).filter((d) => !used.has(d));
    for (const d of domains) used.add(d);
    if (domains.length === 0) continue;
    const fallback = [{ name: 'no-route', match: { prefix: '/' }, direct_response: { status: 404 } }];
    result.push({ name: `${host}:${port}`, domains, routes: routes.length > 0 ? routes : fallback, ...(redirect ? { require_tls: 'ALL' } : {}) });
  }
  return result;
}

/** One RouteConfiguration for `servers` (all on `port`) under `name`. */
export function gatewayRouteConfiguration(ctx: RouteContext, name: string, servers: readonly GatewayServer[], port: number): Named {
  return { name, resource: { name, virtual_hosts: virtualHosts(ctx, servers, port), validate_clusters: { value: false } } };
}
