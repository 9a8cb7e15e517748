/** Istio's naming, so operators can read Trellis config as they read Istio's. */
export const outboundClusterName = (port: number, subset: string, host: string) => `outbound|${port}|${subset}|${host}`;
export const inboundClusterName = (port: number) => `inbound|${port}||`;
export const inboundListenerName = (port: number) => `inbound|${port}`;
export const outboundListenerName = (port: number) => `outbound|${port}`;
/** The one RDS route configuration of the local-mode outbound listener. */
export const OUTBOUND_HTTP_ROUTE_NAME = 'outbound|http';
/** Proxyless gRPC dials `xds:///<host>:<port>`: the listener (and its routes) carry that name. */
export const grpcListenerName = (host: string, port: number) => `${host}:${port}`;
/** REDIRECT mode: the listeners redirected connections land on (iptables, ECS proxy configuration). */
export const VIRTUAL_OUTBOUND_LISTENER_NAME = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER_NAME = 'virtualInbound';
/** REDIRECT mode: the unbound listener of an HTTP service port, reached by the original-destination handoff. */
export const httpPortListenerName = (port: number) => `0.0.0.0_${port}`;
