import type { ImportReport } from '../report.ts';
import type { NodeListener } from '../schemas/virtual-node.ts';
import { durationText, toIstioDuration } from './durations.ts';

export type TrafficPolicy = {
  outlierDetection?: Record<string, unknown>;
  connectionPool?: { tcp?: Record<string, unknown>; http?: Record<string, unknown> };
};

/**
 * A virtual node listener's resilience settings as the DestinationRule traffic policy its callers use.
 * Its connection pool is not among them: App Mesh applied it in the node's own Envoy, see {@link listenerInboundPool}.
 */
export function listenerTrafficPolicy(listener: NodeListener, source: string, field: string, trellis: string, report: ImportReport): TrafficPolicy {
  const policy: TrafficPolicy = {};
  const od = listener.outlierDetection;
  if (od) {
    policy.outlierDetection = {
      consecutive5xxErrors: od.maxServerErrors,
      interval: durationText(od.interval),
      baseEjectionTime: durationText(od.baseEjectionDuration),
      maxEjectionPercent: od.maxEjectionPercent,
    };
    report.mapped(source, `${field}.outlierDetection`, `${trellis}.outlierDetection`, 'maxServerErrors → consecutive5xxErrors, baseEjectionDuration → baseEjectionTime');
  }
  const hc = listener.healthCheck;
  if (hc && !od) {
    policy.outlierDetection = { consecutive5xxErrors: hc.unhealthyThreshold, interval: `${hc.intervalMillis}ms`, baseEjectionTime: `${hc.intervalMillis}ms`, maxEjectionPercent: 100 };
    report.approximated(source, `${field}.healthCheck`, `${trellis}.outlierDetection`, `Trellis does not probe ${hc.path ?? 'the port'}; hosts that fail ${hc.unhealthyThreshold} requests in a row are ejected instead. Keep the probe as a Kubernetes/ECS health check`);
  } else if (hc) {
    report.approximated(source, `${field}.healthCheck`, undefined, 'not probed by Trellis; outlierDetection covers failing hosts. Keep the probe as a Kubernetes/ECS health check');
  }
  const tcp: Record<string, unknown> = {};
  const http: Record<string, unknown> = {};
  const timeout = listener.timeout;
  const idle = timeout?.http?.idle ?? timeout?.http2?.idle ?? timeout?.grpc?.idle;
  const idleText = toIstioDuration(idle);
  if (idleText) {
    http.idleTimeout = idleText;
    report.approximated(source, `${field}.timeout.*.idle`, `${trellis}.connectionPool.http.idleTimeout`, "the callers' upstream connections close after this idle time");
  }
  const tcpIdle = toIstioDuration(timeout?.tcp?.idle);
  if (tcpIdle) tcp.idleTimeout = tcpIdle;
  const perRequest = timeout?.http?.perRequest ?? timeout?.http2?.perRequest ?? timeout?.grpc?.perRequest;
  if (perRequest) report.approximated(source, `${field}.timeout.*.perRequest`, 'VirtualService http[].timeout', 'Trellis has no inbound request timeout; the timeouts of the routes to this node apply (set them there)');
  if (Object.keys(tcp).length || Object.keys(http).length) policy.connectionPool = { ...(Object.keys(tcp).length ? { tcp } : {}), ...(Object.keys(http).length ? { http } : {}) };
  return policy;
}

export type InboundPool = { tcp?: Record<string, number>; http?: Record<string, number> };

/**
 * A virtual node listener's connection pool as a Sidecar `inboundConnectionPool`: App Mesh limited
 * the connections and requests from the node's own Envoy to its app, which is the hop that field sets.
 */
export function listenerInboundPool(listener: NodeListener): InboundPool | undefined {
  const pool = listener.connectionPool;
  if (!pool) return undefined;
  const tcp: Record<string, number> = {};
  const http: Record<string, number> = {};
  if (pool.http) {
    tcp.maxConnections = pool.http.maxConnections;
    if (pool.http.maxPendingRequests !== undefined) http.http1MaxPendingRequests = pool.http.maxPendingRequests;
  }
  if (pool.tcp) tcp.maxConnections = pool.tcp.maxConnections;
  const maxRequests = pool.http2?.maxRequests ?? pool.grpc?.maxRequests;
  if (maxRequests !== undefined) http.http2MaxRequests = maxRequests;
  if (!Object.keys(tcp).length && !Object.keys(http).length) return undefined;
  return { ...(Object.keys(tcp).length ? { tcp } : {}), ...(Object.keys(http).length ? { http } : {}) };
}
