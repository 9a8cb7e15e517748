import { z } from 'zod';
import { ExportTo } from './shared/export-to.ts';
import { WorkloadLabelSelector } from './shared/labels.ts';
import { PortNumber } from './shared/numbers.ts';
import { workloadEntryFields } from './workload-entry.ts';

const ServicePort = z.strictObject({
  number: PortNumber,
  protocol: z.string().max(256).optional(),
  name: z.string().min(1, { message: 'port name must not be empty' }).max(256),
  targetPort: PortNumber.optional(),
});

export const ServiceEntrySpec = z
  .strictObject({
    hosts: z.array(z.string()).min(1, { message: 'at least one host is required' }).max(256),
    addresses: z.array(z.string().max(64)).max(256).optional(),
    ports: z.array(ServicePort).max(256).optional(),
    location: z.enum(['MESH_EXTERNAL', 'MESH_INTERNAL']).optional(),
    resolution: z.enum(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']).optional(),
    endpoints: z.array(z.strictObject(workloadEntryFields)).max(4096).optional(),
    workloadSelector: WorkloadLabelSelector.optional(),
    exportTo: ExportTo.optional(),
    subjectAltNames: z.array(z.string()).optional(),
  })
  .meta({ id: 'ServiceEntrySpec', description: 'Adds a service to the mesh registry, such as an external API (networking.istio.io ServiceEntry).' });

export type ServiceEntrySpec = z.infer<typeof ServiceEntrySpec>;
