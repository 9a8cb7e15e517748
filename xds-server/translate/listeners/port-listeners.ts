import { httpPortListenerName } from '../envoy/resource-names.ts';
import type { MeshService } from '../mesh/mesh-model.ts';
import { isHttpPort } from '../mesh/port-protocol.ts';
import { outboundRouteConfiguration } from '../routes/outbound-route-configuration.ts';
import type { RouteContext } from '../routes/route-context.ts';
import type { Named } from '../translation-result.ts';
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
 * REDIRECT mode: one listener per service port of the registry. HTTP ports route by Host through
 * RDS `<port>`; TCP and TLS ports reuse the local-mode TCP chains (by SNI, or the port's one
 * plain TCP service). A port that is HTTP for one service is HTTP for all: Envoy takes one
 * listener per address, so TCP services on it are reported and left to the fallback.
 */
export function portListeners(ctx: RouteContext, services: readonly MeshService[], reservedPorts: ReadonlySet<number>): { listeners: Named[]; routes: Named[] } {
  const httpPorts = new Map<number, string>();
  for (const service of services) {
    if (service.host.includes('*')) continue;
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
        filter_chains: [httpFilterChain(httpConnectionManager(`outbound_0.0.0.0_${port}`, { rds: route.name }, outboundHttpFilters(false)))],
      },
    });
  }
  const tcp = tcpOutboundListeners(ctx, services.map((s) => withoutTcpOn(ctx, s, httpPorts)), reservedPorts, HANDOFF);
  return { listeners: [...listeners, ...tcp], routes };
}
