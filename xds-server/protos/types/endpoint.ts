/** EDS: endpoints of an EDS cluster, named by its service name. */
export const ENDPOINT_TYPE_URL = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
export type EndpointTypeUrl = typeof ENDPOINT_TYPE_URL;
/** The field holding the resource name. */
export const ENDPOINT_NAME_FIELD = 'cluster_name';
/** Whether a proxy may subscribe to all resources of this type at once. */
export const ENDPOINT_WILDCARD = false;
