import { z } from 'zod';
import { Name, ResourceMetadata, ResourceStatus } from './common.ts';

export const VirtualServiceSpec = z.strictObject({
  provider: z
    .strictObject({
      virtualNode: z.strictObject({ virtualNodeName: Name }).optional(),
      virtualRouter: z.strictObject({ virtualRouterName: Name }).optional(),
    })
    .refine((p) => (p.virtualNode === undefined) !== (p.virtualRouter === undefined), { message: 'set exactly one of virtualNode or virtualRouter' })
    .optional(),
});

export const VirtualServiceData = z.strictObject({
  meshName: Name,
  virtualServiceName: Name,
  spec: VirtualServiceSpec.default({}),
  metadata: ResourceMetadata.optional(),
  status: ResourceStatus.optional(),
});
export type VirtualServiceData = z.infer<typeof VirtualServiceData>;
