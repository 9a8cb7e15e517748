/** RDS: route configurations, named by an HttpConnectionManager. */
export const ROUTE_TYPE_URL = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export type RouteTypeUrl = typeof ROUTE_TYPE_URL;
/** The field holding the resource name. */
export const ROUTE_NAME_FIELD = 'name';
/** Whether a proxy may subscribe to all resources of this type at once. */
export const ROUTE_WILDCARD = false;
