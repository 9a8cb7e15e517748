import { z } from 'zod';
import { ExportTo } from './shared/export-to.ts';
import { Host } from './shared/host.ts';
import { Labels, WorkloadSelector } from './shared/labels.ts';
import { TrafficPolicy } from './shared/traffic-policy.ts';

const Subset = z.strictObject({
  name: z.string(),
  labels: Labels.optional(),
  trafficPolicy: TrafficPolicy.optional(),
});

export const DestinationRuleSpec = z
  .strictObject({
    host: Host,
    trafficPolicy: TrafficPolicy.optional(),
    subsets: z.array(Subset).optional(),
    exportTo: ExportTo.optional(),
    workloadSelector: WorkloadSelector.optional(),
  })
  .meta({ id: 'DestinationRuleSpec', description: 'Policies for traffic to a host after routing: load balancing, connection pools, outlier detection, TLS, subsets (networking.istio.io DestinationRule).' });

export type DestinationRuleSpec = z.infer<typeof DestinationRuleSpec>;
