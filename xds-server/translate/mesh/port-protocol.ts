import type { ServicePort } from './mesh-model.ts';

// Istio sniffs ports without a protocol; the local-mode listener only speaks HTTP, so they are HTTP here.
const HTTP_PROTOCOLS = new Set([undefined, 'HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY']);
const HTTP2_PROTOCOLS = new Set(['HTTP2', 'GRPC']);

/** Whether traffic to this port is HTTP and so routed by Host. */
export const isHttpPort = (port: ServicePort) => HTTP_PROTOCOLS.has(port.protocol);

/** Whether the upstream speaks HTTP/2 only (gRPC). */
export const isHttp2Port = (port: ServicePort) => port.protocol !== undefined && HTTP2_PROTOCOLS.has(port.protocol);
