import { CLUSTER_NAME_FIELD, CLUSTER_TYPE_URL, CLUSTER_WILDCARD, type ClusterTypeUrl } from './types/cluster.ts';
import { ENDPOINT_NAME_FIELD, ENDPOINT_TYPE_URL, ENDPOINT_WILDCARD, type EndpointTypeUrl } from './types/endpoint.ts';
import { LISTENER_NAME_FIELD, LISTENER_TYPE_URL, LISTENER_WILDCARD, type ListenerTypeUrl } from './types/listener.ts';
import { ROUTE_NAME_FIELD, ROUTE_TYPE_URL, ROUTE_WILDCARD, type RouteTypeUrl } from './types/route.ts';
import { VIRTUAL_HOST_NAME_FIELD, VIRTUAL_HOST_TYPE_URL, VIRTUAL_HOST_WILDCARD, type VirtualHostTypeUrl } from './types/virtual-host.ts';
import { SECRET_NAME_FIELD, SECRET_TYPE_URL, SECRET_WILDCARD, type SecretTypeUrl } from './types/secret.ts';

/** The resource types Trellis serves over ADS. */
export type XdsTypeUrl = ListenerTypeUrl | RouteTypeUrl | VirtualHostTypeUrl | ClusterTypeUrl | EndpointTypeUrl | SecretTypeUrl;

export interface ResourceTypeInfo {
  readonly typeUrl: XdsTypeUrl;
  /** Short name for logs and status (LDS, RDS, ...). */
  readonly short: 'LDS' | 'RDS' | 'VHDS' | 'CDS' | 'EDS' | 'SDS';
  readonly nameField: string;
  readonly wildcard: boolean;
  /** In state-of-the-world, a missing resource of this type means it was removed. */
  readonly fullStateOfTheWorld: boolean;
}

const info = (typeUrl: XdsTypeUrl, short: ResourceTypeInfo['short'], nameField: string, wildcard: boolean): ResourceTypeInfo => ({
  typeUrl,
  short,
  nameField,
  wildcard,
  fullStateOfTheWorld: wildcard,
});

export const RESOURCE_TYPES: ReadonlyMap<XdsTypeUrl, ResourceTypeInfo> = new Map([
  [LISTENER_TYPE_URL, info(LISTENER_TYPE_URL, 'LDS', LISTENER_NAME_FIELD, LISTENER_WILDCARD)],
  [ROUTE_TYPE_URL, info(ROUTE_TYPE_URL, 'RDS', ROUTE_NAME_FIELD, ROUTE_WILDCARD)],
  [VIRTUAL_HOST_TYPE_URL, info(VIRTUAL_HOST_TYPE_URL, 'VHDS', VIRTUAL_HOST_NAME_FIELD, VIRTUAL_HOST_WILDCARD)],
  [CLUSTER_TYPE_URL, info(CLUSTER_TYPE_URL, 'CDS', CLUSTER_NAME_FIELD, CLUSTER_WILDCARD)],
  [ENDPOINT_TYPE_URL, info(ENDPOINT_TYPE_URL, 'EDS', ENDPOINT_NAME_FIELD, ENDPOINT_WILDCARD)],
  [SECRET_TYPE_URL, info(SECRET_TYPE_URL, 'SDS', SECRET_NAME_FIELD, SECRET_WILDCARD)],
]);

/**
 * Make-before-break: what others depend on goes out first (secrets, clusters, endpoints),
 * then what uses them (listeners, routes, and virtual hosts, which Envoy accepts only for a route
 * configuration it holds).
 */
export const PUSH_ORDER: readonly XdsTypeUrl[] = [SECRET_TYPE_URL, CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL];
/** Removals go after every update, users before what they use (listener, its routes and virtual hosts, clusters, endpoints, secrets). */
export const REMOVAL_ORDER: readonly XdsTypeUrl[] = [LISTENER_TYPE_URL, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL, CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, SECRET_TYPE_URL];

export function isXdsTypeUrl(typeUrl: string): typeUrl is XdsTypeUrl {
  return RESOURCE_TYPES.has(typeUrl as XdsTypeUrl);
}

export function resourceTypeInfo(typeUrl: XdsTypeUrl): ResourceTypeInfo {
  const found = RESOURCE_TYPES.get(typeUrl);
  if (!found) throw new Error(`unknown xDS type URL ${typeUrl}`);
  return found;
}
