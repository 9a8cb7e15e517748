import { z } from 'zod';
import { Annotations } from '../metadata.ts';
import { Labels } from './shared/labels.ts';
import { Count, PortNumber } from './shared/numbers.ts';
import { workloadEntryFields } from './workload-entry.ts';

/** Istio's ReadinessProbe: accepted so Istio manifests parse, refused as unsupported (see unsupported.ts). */
const ReadinessProbe = z
  .strictObject({
    initialDelaySeconds: Count.optional(),
    timeoutSeconds: Count.optional(),
    periodSeconds: Count.optional(),
    successThreshold: Count.optional(),
    failureThreshold: Count.optional(),
    httpGet: z
      .strictObject({
        path: z.string().max(2048).optional(),
        port: PortNumber,
        host: z.string().max(253).optional(),
        scheme: z.string().max(16).optional(),
        httpHeaders: z.array(z.strictObject({ name: z.string().max(256).optional(), value: z.string().max(4096).optional() })).max(64).optional(),
      })
      .optional(),
    tcpSocket: z.strictObject({ host: z.string().max(253).optional(), port: PortNumber }).optional(),
    exec: z.strictObject({ command: z.array(z.string().max(4096)).max(64).optional() }).optional(),
    grpc: z.strictObject({ port: PortNumber, service: z.string().max(253).optional() }).optional(),
  })
  .meta({ id: 'ReadinessProbe' });

/**
 * The WorkloadEntry every member of the group registers as. `address` is part of the shape, as in
 * Istio, but refused: each workload brings its own.
 */
const WorkloadTemplate = z.strictObject(workloadEntryFields).meta({ id: 'WorkloadGroupTemplate' });

export const WorkloadGroupSpec = z
  .strictObject({
    metadata: z.strictObject({ labels: Labels.optional(), annotations: Annotations.optional() }).optional(),
    template: WorkloadTemplate,
    probe: ReadinessProbe.optional(),
  })
  .meta({
    id: 'WorkloadGroupSpec',
    description:
      'The workloads a proxy may join by naming the group (networking.istio.io WorkloadGroup): template.serviceAccount must be its certificate identity, and the labels are fixed by the group.',
  });

export type WorkloadGroupSpec = z.infer<typeof WorkloadGroupSpec>;
