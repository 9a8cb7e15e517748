import type { Located } from '../inventory.ts';
import type { ImportReport } from '../report.ts';
import type { GrpcRoute, HttpRoute, RouteData, TcpRoute, WeightedTarget } from '../schemas/route.ts';
import { toIstioDuration } from './durations.ts';
import { headerConditions, type StringMatch } from './matches.ts';
import { DEFAULT_ROUTE_TIMEOUT, defaultRetries, retriesOf } from './retries.ts';
import { normaliseWeights } from './weights.ts';

export interface RouteTarget {
  /** The Istio destination host and subset a virtual node stands for. */
  host: string;
  subset: string;
}

export interface RouteInput {
  route: Located<RouteData>;
  source: string;
  /** The service port routes on this router listen on, when the router has more than one. */
  servicePort: number | undefined;
  target(nodeName: string): RouteTarget | undefined;
  report: ImportReport;
  trellis: string;
}

type Destination = { destination: { host: string; subset: string; port?: { number: number } }; weight?: number };

/** Weighted targets → Istio destinations (weights rescaled to 100); undefined when nothing can receive traffic. */
function destinations(input: RouteInput, field: string, targets: readonly WeightedTarget[]): Destination[] | undefined {
  const known = targets.filter((t) => {
    if (input.target(t.virtualNode)) return true;
    input.report.none(input.source, `${field}.action.weightedTargets`, `virtual node "${t.virtualNode}" is not in the input; its share of traffic is given to the other targets`);
    return false;
  });
  const weights = normaliseWeights(known.map((t) => t.weight));
  if (!weights) {
    input.report.leftOut(input.source, `${field}.action.weightedTargets`, 'no target has a weight above 0 (or none is known); the route is left out');
    return undefined;
  }
  const total = known.reduce((a, t) => a + t.weight, 0);
  const field_ = `${field}.action.weightedTargets`;
  if (total !== 100 && known.length > 1) input.report.approximated(input.source, field_, `${input.trellis} route[].weight`, `weights ${known.map((t) => t.weight).join('/')} rescaled to ${weights.join('/')} (Istio weights sum to 100)`);
  else input.report.mapped(input.source, field_, `${input.trellis} route[].weight`);
  return known.map((t, i) => {
    const target = input.target(t.virtualNode)!;
    const port = input.servicePort !== undefined ? { port: { number: input.servicePort } } : {};
    if (t.port !== undefined) input.report.approximated(input.source, `${field_}.port`, undefined, `the node listener port ${t.port} is reached through the service port; the node's workload entry maps it`);
    return { destination: { host: target.host, subset: target.subset, ...port }, ...(known.length > 1 ? { weight: weights[i]! } : {}) };
  });
}

function timeouts(input: RouteInput, field: string, timeout: HttpRoute['timeout']): { timeout?: string } {
  if (timeout?.perRequest) {
    const t = toIstioDuration(timeout.perRequest);
    input.report.mapped(input.source, `${field}.timeout.perRequest`, `${input.trellis} timeout`, t ? '' : '0 disables the timeout: none is set');
    return t ? { timeout: t } : {};
  }
  input.report.approximated(input.source, `${field}.timeout.perRequest`, `${input.trellis} timeout`, `unset: App Mesh's default of ${DEFAULT_ROUTE_TIMEOUT} is made explicit`);
  return { timeout: DEFAULT_ROUTE_TIMEOUT };
}

function retries(input: RouteInput, field: string, policy: HttpRoute['retryPolicy'] | GrpcRoute['retryPolicy'], grpc: boolean) {
  if (policy) {
    const r = retriesOf(policy);
    input.report.mapped(input.source, `${field}.retryPolicy`, `${input.trellis} retries`, `maxRetries → attempts, perRetryTimeout → perTryTimeout, events → retryOn "${r.retryOn ?? ''}"`);
    return r;
  }
  input.report.approximated(input.source, `${field}.retryPolicy`, `${input.trellis} retries`, "unset: App Mesh's implicit default (2 retries on 503, connect failure, refused stream) is made explicit");
  return defaultRetries(grpc);
}

/** An App Mesh HTTP, HTTP/2 or gRPC route as one Istio HTTP route; undefined when it cannot be expressed. */
export function convertHttpRoute(input: RouteInput, name: string, type: 'httpRoute' | 'http2Route' | 'grpcRoute', spec: HttpRoute | GrpcRoute): Record<string, unknown> | undefined {
  const field = `spec.${type}`;
  const match: Record<string, unknown> = {};
  const { report, source, trellis } = input;
  if (type === 'grpcRoute') {
    const m = (spec as GrpcRoute).match;
    if (m.serviceName && m.methodName) match.uri = { exact: `/${m.serviceName}/${m.methodName}` };
    else if (m.serviceName) match.uri = { prefix: `/${m.serviceName}/` };
    else if (m.methodName) report.none(source, `${field}.match.methodName`, 'a method name without a service name cannot be matched; the condition is left out');
    if (m.serviceName) report.mapped(source, `${field}.match.serviceName`, `${trellis} match[].uri`, 'gRPC path /service/method');
    const h = headerConditions(m.metadata);
    if (h.unsupported) {
      report.leftOut(source, `${field}.match.metadata`, `${h.unsupported}; the route is left out`);
      return undefined;
    }
    if (Object.keys(h.headers).length) match.headers = h.headers;
    if (Object.keys(h.withoutHeaders).length) match.withoutHeaders = h.withoutHeaders;
    if (m.metadata?.length) report.mapped(source, `${field}.match.metadata`, `${trellis} match[].headers`, h.notes.join('; '));
    if (m.port !== undefined) match.port = m.port;
  } else {
    const m = (spec as HttpRoute).match;
    if (m.prefix !== undefined && m.prefix !== '/') match.uri = { prefix: m.prefix } satisfies StringMatch;
    if (m.path?.exact !== undefined) match.uri = { exact: m.path.exact };
    if (m.path?.regex !== undefined) match.uri = { regex: m.path.regex };
    if (m.prefix !== undefined || m.path) report.mapped(source, `${field}.match.${m.path ? 'path' : 'prefix'}`, `${trellis} match[].uri`);
    if (m.method) {
      match.method = { exact: m.method };
      report.mapped(source, `${field}.match.method`, `${trellis} match[].method`);
    }
    if (m.scheme) {
      match.scheme = { exact: m.scheme };
      report.mapped(source, `${field}.match.scheme`, `${trellis} match[].scheme`);
    }
    const h = headerConditions(m.headers);
    if (h.unsupported) {
      report.leftOut(source, `${field}.match.headers`, `${h.unsupported}; the route is left out`);
      return undefined;
    }
    if (Object.keys(h.headers).length) match.headers = h.headers;
    if (Object.keys(h.withoutHeaders).length) match.withoutHeaders = h.withoutHeaders;
    if (m.headers?.length) report[h.notes.length ? 'approximated' : 'mapped'](source, `${field}.match.headers`, `${trellis} match[].headers / withoutHeaders`, h.notes.join('; '));
    if (m.queryParameters?.length) {
      match.queryParams = Object.fromEntries(m.queryParameters.map((q) => [q.name, q.match ? { exact: q.match.exact } : { regex: '.*' }]));
      report.mapped(source, `${field}.match.queryParameters`, `${trellis} match[].queryParams`);
    }
    if (m.port !== undefined) {
      match.port = m.port;
      report.mapped(source, `${field}.match.port`, `${trellis} match[].port`);
    }
  }
  const route = destinations(input, field, spec.action.weightedTargets);
  if (!route) return undefined;
  const idle = spec.timeout?.idle;
  if (idle) report.approximated(source, `${field}.timeout.idle`, 'DestinationRule subsets[].trafficPolicy.connectionPool.http.idleTimeout', 'Istio has no per-route idle timeout; the connection idle timeout of the target subsets stands in');
  return {
    name,
    ...(Object.keys(match).length > 0 ? { match: [match] } : {}),
    route,
    ...timeouts(input, field, spec.timeout),
    retries: retries(input, field, spec.retryPolicy, type === 'grpcRoute'),
  };
}

/** An App Mesh TCP route as an Istio TCP route. */
export function convertTcpRoute(input: RouteInput, spec: TcpRoute): Record<string, unknown> | undefined {
  const route = destinations(input, 'spec.tcpRoute', spec.action.weightedTargets);
  if (!route) return undefined;
  if (spec.timeout?.idle) input.report.approximated(input.source, 'spec.tcpRoute.timeout.idle', 'DestinationRule subsets[].trafficPolicy.connectionPool.tcp.idleTimeout', 'Istio has no per-route TCP idle timeout; the subsets\' TCP idle timeout stands in');
  const port = spec.match?.port;
  if (port !== undefined) input.report.mapped(input.source, 'spec.tcpRoute.match.port', `${input.trellis} tcp[].match[].port`);
  return { ...(port !== undefined ? { match: [{ port }] } : {}), route };
}
