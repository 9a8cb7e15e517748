import { z } from 'zod';
import { WorkloadSelector } from './shared/labels.ts';

const MutualTLS = z.strictObject({ mode: z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']).optional() });

export const PeerAuthenticationSpec = z
  .strictObject({
    selector: WorkloadSelector.optional(),
    mtls: MutualTLS.optional(),
    portLevelMtls: z.record(z.string(), MutualTLS).optional(),
  })
  .meta({ id: 'PeerAuthenticationSpec', description: 'Mutual TLS mode for traffic into workloads (security.istio.io PeerAuthentication).' });

export type PeerAuthenticationSpec = z.infer<typeof PeerAuthenticationSpec>;
