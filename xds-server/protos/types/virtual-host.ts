/** VHDS: the virtual hosts of a route configuration as resources of their own (delta xDS only). */
export const VIRTUAL_HOST_TYPE_URL = 'type.googleapis.com/envoy.config.route.v3.VirtualHost';
export type VirtualHostTypeUrl = typeof VIRTUAL_HOST_TYPE_URL;
/** The field holding the resource name. */
export const VIRTUAL_HOST_NAME_FIELD = 'name';
/** Envoy subscribes with an empty name list: every virtual host of the route configurations it holds. */
export const VIRTUAL_HOST_WILDCARD = true;
