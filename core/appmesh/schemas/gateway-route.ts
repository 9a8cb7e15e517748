import { z } from 'zod';
import { HeaderMatch, HttpMethod, HttpPathMatch, Name, Port, QueryParameterMatch, ResourceMetadata, ResourceStatus, list } from './common.ts';

const Hostname = z
  .strictObject({ exact: z.string().min(1).max(253).optional(), suffix: z.string().min(1).max(253).optional() })
  .refine((h) => (h.exact === undefined) !== (h.suffix === undefined), { message: 'set exactly one of exact or suffix' });

const Target = z.strictObject({ virtualService: z.strictObject({ virtualServiceName: Name }), port: Port.optional() });
const HostnameRewrite = z.strictObject({ defaultTargetHostname: z.enum(['ENABLED', 'DISABLED']).optional() });

export const HttpGatewayRoute = z.strictObject({
  match: z.strictObject({
    prefix: z.string().min(1).max(255).optional(),
    path: HttpPathMatch.optional(),
    queryParameters: list(QueryParameterMatch, 10).optional(),
    method: HttpMethod.optional(),
    hostname: Hostname.optional(),
    headers: list(HeaderMatch, 10).optional(),
    port: Port.optional(),
  }),
  action: z.strictObject({
    target: Target,
    rewrite: z
      .strictObject({
        prefix: z.strictObject({ defaultPrefix: z.enum(['ENABLED', 'DISABLED']).optional(), value: z.string().min(1).max(255).optional() }).optional(),
        path: z.strictObject({ exact: z.string().min(1).max(255) }).optional(),
        hostname: HostnameRewrite.optional(),
      })
      .optional(),
  }),
});
export type HttpGatewayRoute = z.infer<typeof HttpGatewayRoute>;

export const GrpcGatewayRoute = z.strictObject({
  match: z.strictObject({ serviceName: z.string().min(1).max(255).optional(), hostname: Hostname.optional(), metadata: list(HeaderMatch, 10).optional(), port: Port.optional() }),
  action: z.strictObject({ target: Target, rewrite: z.strictObject({ hostname: HostnameRewrite.optional() }).optional() }),
});
export type GrpcGatewayRoute = z.infer<typeof GrpcGatewayRoute>;

export const GatewayRouteData = z.strictObject({
  meshName: Name,
  virtualGatewayName: Name,
  gatewayRouteName: Name,
  spec: z
    .strictObject({ priority: z.int().min(0).max(1000).optional(), httpRoute: HttpGatewayRoute.optional(), http2Route: HttpGatewayRoute.optional(), grpcRoute: GrpcGatewayRoute.optional() })
    .refine((s) => [s.httpRoute, s.http2Route, s.grpcRoute].filter((r) => r !== undefined).length === 1, { message: 'set exactly one of httpRoute, http2Route or grpcRoute' }),
  metadata: ResourceMetadata.optional(),
  status: ResourceStatus.optional(),
});
export type GatewayRouteData = z.infer<typeof GatewayRouteData>;
