/** CDS: clusters. */
export const CLUSTER_TYPE_URL = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export type ClusterTypeUrl = typeof CLUSTER_TYPE_URL;
/** The field holding the resource name. */
export const CLUSTER_NAME_FIELD = 'name';
/** Whether a proxy may subscribe to all resources of this type at once. */
export const CLUSTER_WILDCARD = true;
