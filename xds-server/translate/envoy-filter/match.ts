import type { EnvoyConfigObjectPatch, PatchContext } from '../../../core/resources/index.ts';
import { isObj, type Obj } from './proto-merge.ts';

type Match = NonNullable<EnvoyConfigObjectPatch['match']>;

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';

export const contextMatches = (match: Match, context: PatchContext) => match.context === undefined || match.context === 'ANY' || match.context === context;

/** `outbound|9080|v1|orders.shop.svc.cluster.local` → its parts (Trellis names clusters as Istio does). */
function clusterParts(name: string): { port?: number; subset?: string; service?: string } {
  const parts = name.split('|');
  if (parts.length !== 4) return {};
  return { port: Number(parts[1]), subset: parts[2], service: parts[3] };
}

export function clusterMatches(match: Match, cluster: Obj): boolean {
  const m = match.cluster;
  if (!m) return true;
  const name = String(cluster['name'] ?? '');
  if (m.name !== undefined && m.name !== name) return false;
  const parts = clusterParts(name);
  if (m.portNumber !== undefined && m.portNumber !== parts.port) return false;
  if (m.service !== undefined && m.service !== parts.service) return false;
  if (m.subset !== undefined && m.subset !== parts.subset) return false;
  return true;
}

const portOf = (listener: Obj): number | undefined => {
  const address = listener['address'];
  const socket = isObj(address) ? address['socket_address'] : undefined;
  return isObj(socket) && typeof socket['port_value'] === 'number' ? socket['port_value'] : undefined;
};

export function listenerMatches(match: Match, listener: Obj): boolean {
  const m = match.listener;
  if (!m) return true;
  if (m.name !== undefined && m.name !== listener['name']) return false;
  if (m.portNumber !== undefined && m.portNumber !== portOf(listener)) return false;
  return true;
}

export const filtersOf = (chain: Obj): Obj[] => (Array.isArray(chain['filters']) ? (chain['filters'] as Obj[]) : []);

/** The filter chain part of a listener match: its name, filter_chain_match fields, and that it holds the named filter. */
export function chainMatches(match: Match, chain: Obj): boolean {
  const m = match.listener?.filterChain;
  if (!m) return true;
  const fcm = isObj(chain['filter_chain_match']) ? chain['filter_chain_match'] : {};
  if (m.name !== undefined && m.name !== chain['name']) return false;
  if (m.sni !== undefined && !(Array.isArray(fcm['server_names']) && fcm['server_names'].includes(m.sni))) return false;
  if (m.transportProtocol !== undefined && m.transportProtocol !== (fcm['transport_protocol'] ?? '')) return false;
  if (m.applicationProtocols !== undefined) {
    const have = Array.isArray(fcm['application_protocols']) ? (fcm['application_protocols'] as string[]) : [];
    if (!m.applicationProtocols.split(',').every((p) => have.includes(p.trim()))) return false;
  }
  const port = isObj(fcm['destination_port']) ? fcm['destination_port']['value'] : undefined;
  if (m.destinationPort !== undefined && m.destinationPort !== port) return false;
  if (m.filter?.name !== undefined && !filtersOf(chain).some((f) => f['name'] === m.filter!.name)) return false;
  return true;
}

/** A route configuration by name, or by the port in its name (`9080`, `inbound|9080`, `outbound_9080`). */
export function routeConfigMatches(match: Match, config: Obj): boolean {
  const m = match.routeConfiguration;
  if (!m) return true;
  const name = String(config['name'] ?? '');
  if (m.name !== undefined && m.name !== name) return false;
  if (m.portNumber !== undefined && !new RegExp(`(^|[|_])${m.portNumber}$`).test(name)) return false;
  return true;
}

export function vhostMatches(match: Match, vhost: Obj): boolean {
  const m = match.routeConfiguration?.vhost;
  if (!m) return true;
  if (m.name !== undefined && m.name !== vhost['name']) return false;
  if (m.domainName !== undefined && !(Array.isArray(vhost['domains']) && vhost['domains'].includes(m.domainName))) return false;
  return true;
}

export function routeMatches(match: Match, route: Obj): boolean {
  const m = match.routeConfiguration?.vhost?.route;
  if (!m) return true;
  if (m.name !== undefined && m.name !== route['name']) return false;
  switch (m.action) {
    case 'ROUTE':
      return 'route' in route;
    case 'REDIRECT':
      return 'redirect' in route;
    case 'DIRECT_RESPONSE':
      return 'direct_response' in route;
    default:
      return true;
  }
}
