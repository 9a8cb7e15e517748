import { z } from 'zod';
import { Name, PortMapping, ResourceMetadata, ResourceStatus, list } from './common.ts';

export const VirtualRouterData = z.strictObject({
  meshName: Name,
  virtualRouterName: Name,
  spec: z.strictObject({ listeners: list(z.strictObject({ portMapping: PortMapping }), 50).optional() }),
  metadata: ResourceMetadata.optional(),
  status: ResourceStatus.optional(),
});
export type VirtualRouterData = z.infer<typeof VirtualRouterData>;
