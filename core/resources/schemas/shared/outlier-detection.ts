import { z } from 'zod';
import { Duration } from './duration.ts';
import { Count, UInt32, WholePercent } from './numbers.ts';

/** Ejection of unhealthy hosts from the load-balancing pool. */
export const OutlierDetection = z
  .strictObject({
    splitExternalLocalOriginErrors: z.boolean().optional(),
    consecutiveLocalOriginFailures: UInt32.optional(),
    consecutiveGatewayErrors: UInt32.optional(),
    consecutive5xxErrors: UInt32.optional(),
    consecutiveErrors: Count.optional(),
    interval: Duration.optional(),
    baseEjectionTime: Duration.optional(),
    maxEjectionPercent: WholePercent.optional(),
    minHealthPercent: WholePercent.optional(),
    outlierDetectionHttpErrorCodes: z.array(z.int().min(100).max(599)).optional(),
  })
  .meta({ id: 'OutlierDetection' });
