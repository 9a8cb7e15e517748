import { z } from 'zod';
import { Duration, HeaderMatch, HttpMethod, HttpPathMatch, Name, Port, QueryParameterMatch, ResourceMetadata, ResourceStatus, list } from './common.ts';

const WeightedTarget = z.strictObject({ virtualNode: Name, weight: z.int().min(0).max(100), port: Port.optional() });
export type WeightedTarget = z.infer<typeof WeightedTarget>;
const Action = z.strictObject({ weightedTargets: list(WeightedTarget, 10).min(1) });

export const HttpRetryEvent = z.enum(['server-error', 'gateway-error', 'client-error', 'stream-error']);
export const GrpcRetryEvent = z.enum(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);
const TcpRetryEvents = list(z.enum(['connection-error']), 1).optional();

const HttpRetryPolicy = z.strictObject({
  maxRetries: z.int().min(0).max(1000),
  perRetryTimeout: Duration,
  httpRetryEvents: list(HttpRetryEvent, 25).optional(),
  tcpRetryEvents: TcpRetryEvents,
});
const GrpcRetryPolicy = HttpRetryPolicy.extend({ grpcRetryEvents: list(GrpcRetryEvent, 5).optional() });
export type RetryPolicy = z.infer<typeof GrpcRetryPolicy>;

const HttpTimeout = z.strictObject({ perRequest: Duration.optional(), idle: Duration.optional() });
export type RouteTimeout = z.infer<typeof HttpTimeout>;

export const HttpRouteMatch = z.strictObject({
  prefix: z.string().min(1).max(255).optional(),
  path: HttpPathMatch.optional(),
  method: HttpMethod.optional(),
  scheme: z.enum(['http', 'https']).optional(),
  headers: list(HeaderMatch, 10).optional(),
  queryParameters: list(QueryParameterMatch, 10).optional(),
  port: Port.optional(),
});
export type HttpRouteMatch = z.infer<typeof HttpRouteMatch>;

export const HttpRoute = z.strictObject({ match: HttpRouteMatch, action: Action, retryPolicy: HttpRetryPolicy.optional(), timeout: HttpTimeout.optional() });
export type HttpRoute = z.infer<typeof HttpRoute>;

export const GrpcRouteMatch = z.strictObject({
  serviceName: z.string().min(1).max(255).optional(),
  methodName: z.string().min(1).max(50).optional(),
  metadata: list(HeaderMatch, 10).optional(),
  port: Port.optional(),
});
export const GrpcRoute = z.strictObject({ match: GrpcRouteMatch, action: Action, retryPolicy: GrpcRetryPolicy.optional(), timeout: HttpTimeout.optional() });
export type GrpcRoute = z.infer<typeof GrpcRoute>;

export const TcpRoute = z.strictObject({
  match: z.strictObject({ port: Port.optional() }).optional(),
  action: Action,
  timeout: z.strictObject({ idle: Duration.optional() }).optional(),
});
export type TcpRoute = z.infer<typeof TcpRoute>;

export const RouteSpec = z
  .strictObject({
    priority: z.int().min(0).max(1000).optional(),
    httpRoute: HttpRoute.optional(),
    http2Route: HttpRoute.optional(),
    grpcRoute: GrpcRoute.optional(),
    tcpRoute: TcpRoute.optional(),
  })
  .refine((s) => [s.httpRoute, s.http2Route, s.grpcRoute, s.tcpRoute].filter((r) => r !== undefined).length === 1, {
    message: 'set exactly one of httpRoute, http2Route, grpcRoute or tcpRoute',
  });
export type RouteSpec = z.infer<typeof RouteSpec>;

export const RouteData = z.strictObject({
  meshName: Name,
  virtualRouterName: Name,
  routeName: Name,
  spec: RouteSpec,
  metadata: ResourceMetadata.optional(),
  status: ResourceStatus.optional(),
});
export type RouteData = z.infer<typeof RouteData>;
