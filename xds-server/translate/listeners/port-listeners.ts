import { httpPortListenerName } from '../envoy/resource-names.ts';
import type { MeshService } from '../mesh/mesh-model.ts';
import { isHttpPort } from '../mesh/port-protocol.ts';
import { outboundRouteConfiguration } from '../routes/outbound-route-configuration.ts';
import type { RouteContext } from '../routes/route-context.ts';
import { serviceVirtualHost } from '../routes/virtual-host.ts';
import type { Named } from '../translation-result.ts';
import { destinationAddressMatch, matchKey } from './destination-addresses.ts';
import { httpConnectionManager, httpFilterChain } from './http-connection-manager.ts';
import { outboundHttpFilters } from './outbound-http-filters.ts';
import { tcpOutboundListeners } from './tcp-outbound.ts';

// Unbound on every address: virtualOutbound hands a connection over by its original port.
const HANDOFF = { address: '0.0.0.0', bindToPort: false };

/** The service without its non-HTTP ports that collide with an HTTP port listener (reported). */
function withoutTcpOn(ctx: RouteContext, service: MeshService, httpPorts: ReadonlyMap<number, string>): MeshService {
  const clashing = service.ports.filter((p) => !isHttpPort(p) && httpPorts.has(p.number));
  if (clashing.length === 0) return service;
  for (const p of clashing) ctx.issues.push({ resource: service.source, field: 'spec.ports', message: `port ${p.number} is HTTP for ${httpPorts.get(p.number)}; ${service.host}:${p.number} has no TCP listener` });
  return { ...service, ports: service.ports.filter((p) => !clashing.includes(p)) };
}

/**
 * Chains for HTTP services with `addresses` on `port`: a connection to one of them is that
 * service's whatever its Host, so each gets its routes inline under every domain.
 */
function addressChains(ctx: RouteContext, services: readonly MeshService[], port: number): Record<string, unknown>[] {
  const chains: Record<string, unknown>[] = [];
  const owners = new Map<string, string>();
  for (const service of services) {
    const match = destinationAddressMatch(service);
    const servicePort = service.ports.find((p) => p.number === port && isHttpPort(p));
    if (!match || !servicePort || !(ctx.inScope?.(service.host, port) ?? true)) continue;
    const key = matchKey(match);
    const owner = owners.get(key);
    if (owner) {
      ctx.issues.push({ resource: service.source, field: 'spec.addresses', message: `${service.host}: port ${port} at these addresses is already ${owner}'s; reachable by Host only` });
      continue;
    }
    owners.set(key, service.host);
    const name = `${service.host}:${port}`;
    const built = serviceVirtualHost(ctx, service, servicePort, name, ['*']);
    ctx.issues.push(...built.issues);
    const routeConfig = { name: `${port}|${service.host}`, virtual_hosts: [built.virtualHost] };
    chains.push({ name: `outbound|${port}||${service.host}`, filter_chain_match: match, ...httpFilterChain(httpConnectionManager(`outbound_${service.host}_${port}`, { inline: routeConfig }, outboundHttpFilters(false))) });
  }
  return chains;
}

/**
 * REDIRECT mode: one listener per service port of the registry. HTTP ports route by Host through
 * RDS `<port>`; TCP and TLS ports reuse the local-mode TCP chains (by SNI, or the port's one
 * plain TCP service). A port that is HTTP for one service is HTTP for all: Envoy takes one
 * listener per address, so TCP services on it are reported and left to the fallback. Services
 * with `addresses` are matched first by the original destination IP.
 */
export function portListeners(ctx: RouteContext, services: readonly MeshService[], reservedPorts: ReadonlySet<number>): { listeners: Named[]; routes: Named[] } {
  const httpPorts = new Map<number, string>();
  for (const service of services) {
    for (const p of service.ports) {
      if (isHttpPort(p) && (ctx.inScope?.(service.host, p.number) ?? true) && !httpPorts.has(p.number)) httpPorts.set(p.number, service.source);
    }
  }
  const listeners: Named[] = [];
  const routes: Named[] = [];
  for (const [port, source] of [...httpPorts].sort(([a], [b]) => a - b)) {
    if (reservedPorts.has(port)) {
      ctx.issues.push({ resource: source, field: 'spec.ports', message: `port ${port} is this proxy's own listener port; no HTTP listener` });
      continue;
    }
    const route = outboundRouteConfiguration(ctx, services, port);
    routes.push(route);
    const name = httpPortListenerName(port);
    listeners.push({
      name,
      resource: {
        name,
        address: { socket_address: { address: HANDOFF.address, port_value: port } },
        bind_to_port: { value: false },
        filter_chains: [...addressChains(ctx, services, port), httpFilterChain(httpConnectionManager(`outbound_0.0.0.0_${port}`, { rds: route.name }, outboundHttpFilters(false)))],
      },
    });
  }
  const tcp = tcpOutboundListeners(ctx, services.map((s) => withoutTcpOn(ctx, s, httpPorts)), reservedPorts, HANDOFF);
  return { listeners: [...listeners, ...tcp], routes };
}
