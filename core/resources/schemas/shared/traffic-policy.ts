import { z } from 'zod';
import { ClientTLSSettings } from './client-tls.ts';
import { ConnectionPoolSettings } from './connection-pool.ts';
import { DurationOrZero } from './duration.ts';
import { LoadBalancerSettings } from './load-balancer.ts';
import { PortNumber, UInt32 } from './numbers.ts';
import { OutlierDetection } from './outlier-detection.ts';
import { PortSelector } from './port-selector.ts';

const common = {
  loadBalancer: LoadBalancerSettings.optional(),
  connectionPool: ConnectionPoolSettings.optional(),
  outlierDetection: OutlierDetection.optional(),
  tls: ClientTLSSettings.optional(),
};

const PortTrafficPolicy = z.strictObject({ port: PortSelector.optional(), ...common });

/** Policies applied to traffic towards a host (or one of its subsets). */
export const TrafficPolicy = z
  .strictObject({
    ...common,
    portLevelSettings: z.array(PortTrafficPolicy).max(4096).optional(),
    tunnel: z
      .strictObject({
        protocol: z.enum(['CONNECT', 'POST']).optional(),
        targetHost: z.string().min(1, { message: 'targetHost must not be empty' }),
        targetPort: PortNumber,
      })
      .optional(),
    proxyProtocol: z.strictObject({ version: z.enum(['V1', 'V2']).optional() }).optional(),
    retryBudget: z
      .strictObject({
        percent: z.number().min(0).max(100).optional(),
        minRetryConcurrency: UInt32.optional(),
        budgetInterval: DurationOrZero.optional(),
      })
      .optional(),
  })
  .meta({ id: 'TrafficPolicy' });

export type TrafficPolicy = z.infer<typeof TrafficPolicy>;
