import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../protos/index.ts';
import type { ResourceObject, XdsTypeUrl } from '../protos/index.ts';

export interface ResourceReference {
  typeUrl: XdsTypeUrl;
  name: string;
}

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const EDS_CLUSTER_TYPE = 3;

const asObject = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The names of other resources a resource needs before it can work (for the snapshot consistency check). */
export function referencesOf(typeUrl: XdsTypeUrl, object: ResourceObject): ResourceReference[] {
  if (typeUrl === CLUSTER_TYPE_URL) return clusterReferences(object);
  if (typeUrl === LISTENER_TYPE_URL) return listenerReferences(object);
  return [];
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
  const names = new Set<string>();
  for (const config of configs) {
    const type = config?.['@type'];
    if (typeof type !== 'string' || !type.endsWith(`/${HCM_TYPE}`)) continue;
    const name = asObject(config?.['rds'])?.['route_config_name'];
    if (typeof name === 'string') names.add(name);
  }
  return [...names].map((name) => ({ typeUrl: ROUTE_TYPE_URL, name }));
}
