import { z } from 'zod';
import { Duration, DurationOrZero } from './duration.ts';
import { UInt32 } from './numbers.ts';

const Failover = z.strictObject({ from: z.string().optional(), to: z.string().optional() });

const LocalityLoadBalancerSetting = z.strictObject({
  distribute: z
    .array(
      z.strictObject({
        from: z.string().optional(),
        to: z.record(z.string(), UInt32).optional(),
      }),
    )
    .optional(),
  failover: z.array(Failover).optional(),
  failoverPriority: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
});

const ZoneAwareLoadBalancerSetting = z.strictObject({
  enabled: z.boolean().optional(),
  failover: z.array(Failover).optional(),
  failoverPriority: z.array(z.string()).optional(),
  minClusterSize: z.int().min(1).optional(),
});

const ConsistentHash = z.strictObject({
  httpHeaderName: z.string().optional(),
  httpCookie: z
    .strictObject({
      name: z.string().min(1, { message: 'cookie name must not be empty' }),
      path: z.string().optional(),
      ttl: DurationOrZero.optional(),
      attributes: z.array(z.strictObject({ name: z.string(), value: z.string().optional() })).optional(),
    })
    .optional(),
  useSourceIp: z.boolean().optional(),
  httpQueryParameterName: z.string().optional(),
  ringHash: z.strictObject({ minimumRingSize: z.int().min(0).optional() }).optional(),
  maglev: z.strictObject({ tableSize: z.int().min(0).optional() }).optional(),
  minimumRingSize: z.int().min(0).optional(),
});

/** Load-balancing policy: a simple algorithm or consistent hashing, plus locality settings. */
export const LoadBalancerSettings = z
  .strictObject({
    simple: z.enum(['UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST']).optional(),
    consistentHash: ConsistentHash.optional(),
    localityLbSetting: LocalityLoadBalancerSetting.optional(),
    zoneAwareLbSetting: ZoneAwareLoadBalancerSetting.optional(),
    warmupDurationSecs: Duration.optional(),
    warmup: z
      .strictObject({
        duration: Duration,
        minimumPercent: z.number().min(0).max(100).optional(),
        aggression: z.number().min(0).optional(),
      })
      .optional(),
  })
  .meta({ id: 'LoadBalancerSettings' });

export type LoadBalancerSettings = z.infer<typeof LoadBalancerSettings>;
