import { z } from 'zod';
import { Labels } from './shared/labels.ts';
import { PortNumber, UInt32 } from './shared/numbers.ts';

/** The fields of a workload, shared by WorkloadEntry and ServiceEntry endpoints. */
export const workloadEntryFields = {
  address: z.string().max(256).optional(),
  ports: z.record(z.string(), PortNumber).optional(),
  labels: Labels.optional(),
  network: z.string().max(2048).optional(),
  locality: z.string().max(2048).optional(),
  weight: UInt32.optional(),
  serviceAccount: z.string().max(253).optional(),
};

export const WorkloadEntrySpec = z
  .strictObject(workloadEntryFields)
  .meta({ id: 'WorkloadEntrySpec', description: 'A non-Kubernetes workload (VM, ECS task) and its address, ports and labels (networking.istio.io WorkloadEntry).' });

export type WorkloadEntrySpec = z.infer<typeof WorkloadEntrySpec>;
