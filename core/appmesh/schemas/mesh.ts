import { z } from 'zod';
import { Name, ResourceMetadata, ResourceStatus } from './common.ts';

export const MeshSpec = z.strictObject({
  egressFilter: z.strictObject({ type: z.enum(['ALLOW_ALL', 'DROP_ALL']) }).optional(),
  serviceDiscovery: z.strictObject({ ipPreference: z.enum(['IPv6_PREFERRED', 'IPv4_PREFERRED', 'IPv4_ONLY', 'IPv6_ONLY']).optional() }).optional(),
});

export const MeshData = z.strictObject({
  meshName: Name,
  spec: MeshSpec.default({}),
  metadata: ResourceMetadata.optional(),
  status: ResourceStatus.optional(),
});
export type MeshData = z.infer<typeof MeshData>;
