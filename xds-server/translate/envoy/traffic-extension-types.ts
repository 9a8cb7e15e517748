/** `@type` URLs and filter names of the traffic-management extensions (fault, CORS, passthrough, TCP). */
export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
export const CORS_FILTER_NAME = 'envoy.filters.http.cors';
export const CORS_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors';
export const CORS_POLICY_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';
export const DFP_FILTER_NAME = 'envoy.filters.http.dynamic_forward_proxy';
export const DFP_FILTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig';
export const DFP_CLUSTER_NAME = 'envoy.clusters.dynamic_forward_proxy';
export const DFP_CLUSTER_TYPE = 'type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig';
export const TCP_PROXY_FILTER_NAME = 'envoy.filters.network.tcp_proxy';
export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
export const TLS_INSPECTOR_NAME = 'envoy.filters.listener.tls_inspector';
export const TLS_INSPECTOR_TYPE = 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';
export const RING_HASH_TYPE = 'type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash';
export const ORIGINAL_DST_FILTER_NAME = 'envoy.filters.listener.original_dst';
export const ORIGINAL_DST_TYPE = 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst';
