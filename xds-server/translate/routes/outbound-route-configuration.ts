import { PASSTHROUGH_CLUSTER } from '../clusters/passthrough-cluster.ts';
import { ZERO_DURATION } from '../envoy/duration.ts';
import { OUTBOUND_HTTP_ROUTE_NAME } from '../envoy/resource-names.ts';
import { hostAliases } from '../mesh/host-names.ts';
import { identityKey, memoized } from '../mesh/memo.ts';
import type { MeshService, ServicePort } from '../mesh/mesh-model.ts';
import { isHttpPort } from '../mesh/port-protocol.ts';
import type { Named } from '../translation-result.ts';
import type { RouteContext } from './route-context.ts';
import { serviceVirtualHost } from './virtual-host.ts';

/** The port a bare `Host: name` (no port) reaches: 80 when the service has it, else its first HTTP port. */
export function defaultHttpPort(ports: readonly ServicePort[]): ServicePort | undefined {
  return ports.find((p) => p.number === 80) ?? ports[0];
}

/** Every domain a local app may send for one port: `host:port` forms, and bare forms on the default port. */
export function portDomains(host: string, namespace: string, port: number, isDefault: boolean): string[] {
  const aliases = hostAliases(host, namespace);
  return [...(isDefault ? aliases : []), ...aliases.map((a) => `${a}:${port}`)];
}

// Without traffic redirection the Host header is the original destination: forward there, no timeout, as Istio's passthrough.
const ALLOW_ANY_HOST: Readonly<Record<string, unknown>> = {
  name: 'allow-any',
  domains: ['*'],
  routes: [{ name: 'allow-any', match: { prefix: '/' }, route: { cluster: PASSTHROUGH_CLUSTER, timeout: ZERO_DURATION } }],
};
const UNKNOWN_HOST: Readonly<Record<string, unknown>> = {
  name: 'unknown-host',
  domains: ['*'],
  routes: [{ name: 'unknown-host', match: { prefix: '/' }, direct_response: { status: 404, body: { inline_string: 'trellis: no mesh service has this Host (outboundTrafficPolicy REGISTRY_ONLY)\n' } } }],
};

/** The catch-all virtual host (one shared object per kind: routes are never mutated once built). */
function unknownHost(ctx: RouteContext): Readonly<Record<string, unknown>> {
  const mode = ctx.outboundMode ?? ctx.index.settings.outboundTrafficPolicy?.mode ?? 'ALLOW_ANY';
  return mode === 'ALLOW_ANY' && ctx.flavour === 'sidecar' ? ALLOW_ANY_HOST : UNKNOWN_HOST;
}

/**
 * RDS `outbound|http`: one virtual host per service port, matched by Host, and a 404 (or the
 * passthrough) for anything else. With `port` (REDIRECT mode) the configuration is RDS `<port>`:
 * only that port's services, bare names included since the original destination fixed the port,
 * and wildcard hosts (`*.example.com`) too: their ORIGINAL_DST clusters dial what the app dialled.
 */
export function outboundRouteConfiguration(ctx: RouteContext, services: readonly MeshService[], port?: number): Named {
  const name = port === undefined ? OUTBOUND_HTTP_ROUTE_NAME : String(port);
  const used = new Set<string>();
  const virtualHosts: Readonly<Record<string, unknown>>[] = [];
  for (const service of services) {
    if (service.host.includes('*') && port === undefined) continue;
    const ports = service.ports.filter((p) => isHttpPort(p) && (port === undefined || p.number === port) && (ctx.inScope?.(service.host, p.number) ?? true));
    const bare = port === undefined ? defaultHttpPort(ports) : undefined;
    for (const servicePort of ports) {
      const domains = portDomains(service.host, ctx.namespace, servicePort.number, port !== undefined || servicePort === bare);
      const built = serviceVirtualHost(ctx, service, servicePort, `${service.host}:${servicePort.number}`, domains);
      ctx.issues.push(...built.issues);
      // Envoy refuses a domain twice in one route configuration; the first service (by host) keeps it.
      const free = domains.filter((d) => !used.has(d));
      for (const d of free) used.add(d);
      if (free.length === 0) continue;
      virtualHosts.push(free.length === domains.length ? built.virtualHost : memoized(ctx.index, `vhd|${identityKey([built.virtualHost])}|${free.join(',')}`, () => ({ ...built.virtualHost, domains: free })));
    }
  }
  virtualHosts.push(unknownHost(ctx));
  // Proxies whose virtual hosts are the very same objects (memoised per service) share one configuration object, so it is encoded once.
  return { name, resource: memoized(ctx.index, `rc|${name}|${identityKey(virtualHosts)}`, () => ({ name, virtual_hosts: virtualHosts })) };
}
