import { z } from 'zod';
import { Duration, DurationOrZero } from './duration.ts';
import { Count, UInt32 } from './numbers.ts';

const TCPSettings = z.strictObject({
  maxConnections: Count.optional(),
  connectTimeout: Duration.optional(),
  tcpKeepalive: z
    .strictObject({
      probes: UInt32.optional(),
      time: Duration.optional(),
      interval: Duration.optional(),
    })
    .optional(),
  maxConnectionDuration: Duration.optional(),
  idleTimeout: DurationOrZero.optional(),
});

const HTTPSettings = z.strictObject({
  http1MaxPendingRequests: Count.optional(),
  http2MaxRequests: Count.optional(),
  maxRequestsPerConnection: Count.optional(),
  maxRetries: Count.optional(),
  idleTimeout: Duration.optional(),
  h2UpgradePolicy: z.enum(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']).optional(),
  useClientProtocol: z.boolean().optional(),
  maxConcurrentStreams: Count.optional(),
  http2KeepAlive: z
    .strictObject({
      interval: Duration.optional(),
      timeout: Duration.optional(),
    })
    .optional(),
});

/** Per-host connection limits towards an upstream (or inbound, on a Sidecar). */
export const ConnectionPoolSettings = z
  .strictObject({
    tcp: TCPSettings.optional(),
    http: HTTPSettings.optional(),
  })
  .meta({ id: 'ConnectionPoolSettings' });
