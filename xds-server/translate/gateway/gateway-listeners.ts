import { httpConnectionManager, httpFilterChain } from '../listeners/http-connection-manager.ts';
import type { GatewayListening } from '../proxy-descriptor.ts';
import type { RouteContext } from '../routes/route-context.ts';
import { TLS_INSPECTOR_NAME, TLS_INSPECTOR_TYPE } from '../security/security-types.ts';
import type { Named } from '../translation-result.ts';
import { gatewayRouteConfiguration, httpRouteName, httpsRouteName } from './gateway-routes.ts';
import type { GatewayServer } from './gateway-selection.ts';
import { passthroughChains, terminatedTcpFilters } from './gateway-l4-chains.ts';
import { serverTls, type ServerTlsInput } from './server-tls.ts';

type Obj = Record<string, unknown>;

/** An edge HCM: the peer address is the client's (Istio sets this on gateways), so X-Forwarded-For is appended, not trusted. */
const edgeHcm = (name: string, filters: readonly Obj[]) => ({ ...httpConnectionManager(name, { rds: name }, filters), use_remote_address: { value: true } });

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);
const TLS_PROTOCOLS = new Set(['HTTPS', 'TLS']);

export interface GatewayListeners {
  listeners: Named[];
  routes: Named[];
  /** Uploaded credentials (`namespace/name`, `-cacert`) the listeners reference. */
  secrets: Set<string>;
}

/** Where a server port listens: the proxy's port map, else the port plus its offset. */
export function listenPort(g: GatewayListening | undefined, port: number): number {
  return g?.ports?.[String(port)] ?? port + (g?.portOffset ?? 0);
}

const issueAt = (s: GatewayServer, field: string) => ({ resource: s.gateway.source, field: `spec.servers[${s.index}]${field ? `.${field}` : ''}` });

/** The filter chains one TLS-carrying server (HTTPS or TLS) contributes to its port's listener. */
function tlsServerChains(ctx: RouteContext, s: GatewayServer, tlsInput: ServerTlsInput, out: GatewayListeners, httpFilters: (port: number) => readonly Obj[]): Obj[] {
  const tls = s.server.tls ?? {};
  const mode = tls.mode ?? 'PASSTHROUGH';
  const protocol = s.server.port.protocol.toUpperCase();
  if (mode === 'PASSTHROUGH') return passthroughChains(ctx, s);
  const built = serverTls(tls, tlsInput, protocol === 'HTTPS' ? ['h2', 'http/1.1'] : []);
  if ('problem' in built) {
    ctx.issues.push({ ...issueAt(s, `tls.${built.field}`), message: built.problem });
    return [];
  }
  for (const name of built.secrets) out.secrets.add(name);
  const names = s.hosts.some((h) => h.host === '*') ? [] : [...new Set(s.hosts.map((h) => h.host))];
  const match = { transport_protocol: 'tls', ...(names.length > 0 ? { server_names: names } : {}) };
  if (protocol === 'HTTPS') {
    const routeName = httpsRouteName(s);
    out.routes.push(gatewayRouteConfiguration(ctx, routeName, [s], s.server.port.number));
    return [{ name: routeName, filter_chain_match: match, transport_socket: built.socket, ...httpFilterChain(edgeHcm(routeName, httpFilters(s.server.port.number))) }];
  }
  const filters = terminatedTcpFilters(ctx, s);
  if (!filters) {
    ctx.issues.push({ ...issueAt(s, ''), message: 'no bound VirtualService has a tcp route for this TLS server; not served' });
    return [];
  }
  return [{ name: `${s.ref}|${s.index}|tcp`, filter_chain_match: match, transport_socket: built.socket, filters }];
}

/**
 * One listener per Gateway server port: plain HTTP servers share an HCM routed by RDS
 * `http.<port>`; HTTPS and TLS servers add filter chains chosen by SNI (tls_inspector), each
 * terminating its own TLS (or passing it through); plain TCP servers forward their tcp routes.
 * `httpFilters(port)` run before the router in the HTTP connection managers of a server port.
 */
export function gatewayListeners(ctx: RouteContext, servers: readonly GatewayServer[], listening: GatewayListening | undefined, tlsInput: ServerTlsInput, httpFilters: (port: number) => readonly Obj[] = () => []): GatewayListeners {
  const out: GatewayListeners = { listeners: [], routes: [], secrets: new Set() };
  const byPort = new Map<number, GatewayServer[]>();
  for (const s of servers) byPort.set(s.server.port.number, [...(byPort.get(s.server.port.number) ?? []), s]);
  const bind = listening?.bindAddress ?? '0.0.0.0';
  for (const [port, members] of [...byPort.entries()].sort(([a], [b]) => a - b)) {
    const actual = listenPort(listening, port);
    if (actual > 65535) {
      for (const s of members) ctx.issues.push({ ...issueAt(s, 'port.number'), message: `port ${port} maps to ${actual}, beyond 65535; not served` });
      continue;
    }
    const http = members.filter((s) => HTTP_PROTOCOLS.has(s.server.port.protocol.toUpperCase()));
    const tls = members.filter((s) => TLS_PROTOCOLS.has(s.server.port.protocol.toUpperCase()));
    const tcp = members.filter((s) => !http.includes(s) && !tls.includes(s));
    const chains: Obj[] = [];
    const seen = new Set<string>();
    const add = (s: GatewayServer, chain: Obj) => {
      const key = JSON.stringify(chain['filter_chain_match'] ?? {});
      if (seen.has(key)) {
        ctx.issues.push({ ...issueAt(s, 'hosts'), message: `port ${port} already serves these hosts (same SNI match) for another server; this one is ignored for them` });
        return;
      }
      seen.add(key);
      chains.push(chain);
    };
    for (const s of tls) for (const chain of tlsServerChains(ctx, s, tlsInput, out, httpFilters)) add(s, chain);
    const plainMatch = tls.length > 0 ? { filter_chain_match: { transport_protocol: 'raw_buffer' } } : {};
    if (http.length > 0) {
      const name = httpRouteName(port);
      out.routes.push(gatewayRouteConfiguration(ctx, name, http, port));
      add(http[0]!, { name, ...plainMatch, ...httpFilterChain(edgeHcm(name, httpFilters(port))) });
      for (const s of tcp) ctx.issues.push({ ...issueAt(s, 'port.protocol'), message: `port ${port} already serves HTTP; a ${s.server.port.protocol} server cannot share it` });
    } else if (tcp[0]) {
      const filters = terminatedTcpFilters(ctx, tcp[0]);
      if (filters) add(tcp[0], { name: `${tcp[0].ref}|${tcp[0].index}|tcp`, ...plainMatch, filters });
      else ctx.issues.push({ ...issueAt(tcp[0], ''), message: 'no bound VirtualService has a tcp route for this server; not served' });
      for (const s of tcp.slice(1)) ctx.issues.push({ ...issueAt(s, 'port.number'), message: `port ${port} already carries plain TCP for ${tcp[0].ref}; ignored` });
    }
    if (chains.length === 0) continue;
    const name = `${bind}_${port}`;
    out.listeners.push({
      name,
      resource: {
        name,
        address: { socket_address: { address: bind, port_value: actual } },
        ...(tls.length > 0 ? { listener_filters: [{ name: TLS_INSPECTOR_NAME, typed_config: { '@type': TLS_INSPECTOR_TYPE } }] } : {}),
        filter_chains: chains,
      },
    });
  }
  return out;
}
