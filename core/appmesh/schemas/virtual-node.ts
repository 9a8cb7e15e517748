import { z } from 'zod';
import { BackendDefaults, ClientPolicy, Duration, HealthCheck, ListenerTls, Logging, Name, PortMapping, ResourceMetadata, ResourceStatus, list } from './common.ts';

const IpPreference = z.enum(['IPv6_PREFERRED', 'IPv4_PREFERRED', 'IPv4_ONLY', 'IPv6_ONLY']);

const ServiceDiscovery = z
  .strictObject({
    dns: z.strictObject({ hostname: z.string().min(1).max(253), responseType: z.enum(['LOADBALANCER', 'ENDPOINTS']).optional(), ipPreference: IpPreference.optional() }).optional(),
    awsCloudMap: z
      .strictObject({
        namespaceName: z.string().min(1).max(1024),
        serviceName: z.string().min(1).max(1024),
        attributes: list(z.strictObject({ key: z.string().min(1).max(255), value: z.string().min(1).max(1024) }), 50).optional(),
        ipPreference: IpPreference.optional(),
      })
      .optional(),
  })
  .refine((s) => (s.dns === undefined) !== (s.awsCloudMap === undefined), { message: 'set exactly one of dns or awsCloudMap' });

const HttpTimeout = z.strictObject({ perRequest: Duration.optional(), idle: Duration.optional() });

export const ListenerTimeout = z.strictObject({
  http: HttpTimeout.optional(),
  http2: HttpTimeout.optional(),
  grpc: HttpTimeout.optional(),
  tcp: z.strictObject({ idle: Duration.optional() }).optional(),
});

export const OutlierDetection = z.strictObject({
  maxServerErrors: z.int().min(1).max(1_000_000),
  interval: Duration,
  baseEjectionDuration: Duration,
  maxEjectionPercent: z.int().min(0).max(100),
});
export type OutlierDetection = z.infer<typeof OutlierDetection>;

export const NodeConnectionPool = z.strictObject({
  http: z.strictObject({ maxConnections: z.int().min(1).max(1_000_000), maxPendingRequests: z.int().min(1).max(1_000_000).optional() }).optional(),
  http2: z.strictObject({ maxRequests: z.int().min(1).max(1_000_000) }).optional(),
  grpc: z.strictObject({ maxRequests: z.int().min(1).max(1_000_000) }).optional(),
  tcp: z.strictObject({ maxConnections: z.int().min(1).max(1_000_000) }).optional(),
});
export type NodeConnectionPool = z.infer<typeof NodeConnectionPool>;

export const NodeListener = z.strictObject({
  portMapping: PortMapping,
  tls: ListenerTls.optional(),
  healthCheck: HealthCheck.optional(),
  timeout: ListenerTimeout.optional(),
  outlierDetection: OutlierDetection.optional(),
  connectionPool: NodeConnectionPool.optional(),
});
export type NodeListener = z.infer<typeof NodeListener>;

export const Backend = z.strictObject({
  virtualService: z.strictObject({ virtualServiceName: Name, clientPolicy: ClientPolicy.optional() }),
});

export const VirtualNodeSpec = z.strictObject({
  listeners: list(NodeListener, 50).optional(),
  serviceDiscovery: ServiceDiscovery.optional(),
  backends: list(Backend, 500).optional(),
  backendDefaults: BackendDefaults.optional(),
  logging: Logging.optional(),
});
export type VirtualNodeSpec = z.infer<typeof VirtualNodeSpec>;

export const VirtualNodeData = z.strictObject({
  meshName: Name,
  virtualNodeName: Name,
  spec: VirtualNodeSpec,
  metadata: ResourceMetadata.optional(),
  status: ResourceStatus.optional(),
});
export type VirtualNodeData = z.infer<typeof VirtualNodeData>;
