import { z } from 'zod';
import { WorkloadSelector } from './shared/labels.ts';

// Environment variable names as POSIX shells accept them.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ProxyConfigSpec = z
  .strictObject({
    selector: WorkloadSelector.optional(),
    concurrency: z.int().min(0, { message: 'must not be negative' }).max(1024, { message: 'at most 1024 worker threads' }).optional(),
    environmentVariables: z
      .record(z.string().max(256).regex(ENV_NAME, { message: 'must be an environment variable name (letters, digits, _; not starting with a digit)' }), z.string().max(4096))
      .optional(),
    image: z.strictObject({ imageType: z.string().max(64).optional() }).optional(),
  })
  .meta({ id: 'ProxyConfigSpec', description: 'Per-workload proxy settings the agent applies when it starts Envoy (networking.istio.io ProxyConfig).' });

export type ProxyConfigSpec = z.infer<typeof ProxyConfigSpec>;
