import { z } from 'zod';
import { BackendDefaults, HealthCheck, ListenerTls, Logging, Name, Port, ResourceMetadata, ResourceStatus, list } from './common.ts';

export const GatewayListener = z.strictObject({
  portMapping: z.strictObject({ port: Port, protocol: z.enum(['http', 'http2', 'grpc']) }),
  tls: ListenerTls.optional(),
  healthCheck: HealthCheck.optional(),
  connectionPool: z
    .strictObject({
      http: z.strictObject({ maxConnections: z.int().min(1), maxPendingRequests: z.int().min(1).optional() }).optional(),
      http2: z.strictObject({ maxRequests: z.int().min(1) }).optional(),
      grpc: z.strictObject({ maxRequests: z.int().min(1) }).optional(),
    })
    .optional(),
});
export type GatewayListener = z.infer<typeof GatewayListener>;

export const VirtualGatewayData = z.strictObject({
  meshName: Name,
  virtualGatewayName: Name,
  spec: z.strictObject({ listeners: list(GatewayListener, 50).min(1), backendDefaults: BackendDefaults.optional(), logging: Logging.optional() }),
  metadata: ResourceMetadata.optional(),
  status: ResourceStatus.optional(),
});
export type VirtualGatewayData = z.infer<typeof VirtualGatewayData>;
