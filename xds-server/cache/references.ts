import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../protos/index.ts';
import type { ResourceObject, XdsTypeUrl } from '../protos/index.ts';

export interface ResourceReference {
  typeUrl: XdsTypeUrl;
  name: string;
}

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const EDS_CLUSTER_TYPE = 3;

const asObject = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The names of other resources a resource needs before it can work (snapshot check, make-before-break). */
export function referencesOf(typeUrl: XdsTypeUrl, object: ResourceObject): ResourceReference[] {
  if (typeUrl === CLUSTER_TYPE_URL) return clusterReferences(object);
  if (typeUrl === LISTENER_TYPE_URL) return listenerReferences(object);
  if (typeUrl === ROUTE_TYPE_URL) return routeReferences(object);
  return [];
}

/** Clusters named by a route action or a weighted cluster list (`{ cluster }` or `{ weighted_clusters }`). */
function clusterNames(action: Record<string, unknown> | undefined): string[] {
  if (!action) return [];
  const names = asList(asObject(action['weighted_clusters'])?.['clusters']).map((c) => asObject(c)?.['name']);
  names.push(action['cluster']);
  for (const mirror of asList(action['request_mirror_policies'])) names.push(asObject(mirror)?.['cluster']);
  return names.filter((n): n is string => typeof n === 'string' && n !== '');
}

function unique(typeUrl: XdsTypeUrl, names: Iterable<string>): ResourceReference[] {
  return [...new Set(names)].map((name) => ({ typeUrl, name }));
}

function routeReferences(routeConfiguration: ResourceObject): ResourceReference[] {
  const routes = asList(routeConfiguration['virtual_hosts']).flatMap((vh) => asList(asObject(vh)?.['routes']));
  return unique(CLUSTER_TYPE_URL, routes.flatMap((r) => clusterNames(asObject(asObject(r)?.['route']))));
}

function clusterReferences(cluster: ResourceObject): ResourceReference[] {
  const type = cluster['type'];
  if (type !== 'EDS' && type !== EDS_CLUSTER_TYPE) return [];
  const serviceName = asObject(cluster['eds_cluster_config'])?.['service_name'];
  const name = typeof serviceName === 'string' && serviceName !== '' ? serviceName : cluster['name'];
  return typeof name === 'string' ? [{ typeUrl: ENDPOINT_TYPE_URL, name }] : [];
}

function listenerReferences(listener: ResourceObject): ResourceReference[] {
  const chains = [...asList(listener['filter_chains']), listener['default_filter_chain']];
  const configs = chains.flatMap((chain) => asList(asObject(chain)?.['filters']).map((f) => asObject(asObject(f)?.['typed_config'])));
  configs.push(asObject(asObject(listener['api_listener'])?.['api_listener']));
  const routes: string[] = [];
  const clusters: string[] = [];
  for (const config of configs) {
    const type = config?.['@type'];
    if (typeof type !== 'string') continue;
    if (type.endsWith(`/${HCM_TYPE}`)) {
      const name = asObject(config?.['rds'])?.['route_config_name'];
      if (typeof name === 'string') routes.push(name);
    } else if (type.endsWith(`/${TCP_PROXY_TYPE}`)) {
      clusters.push(...clusterNames(config));
    }
  }
  return [...unique(ROUTE_TYPE_URL, routes), ...unique(CLUSTER_TYPE_URL, clusters)];
}
