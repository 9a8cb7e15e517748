import { z } from 'zod';
import { durationProblem } from '../resources/formats/duration.ts';
import { hostProblem } from '../resources/formats/hostname.ts';

/** A provider's service: a host name, optionally `namespace/host` as Istio writes it. */
export const service = z
  .string()
  .max(317)
  .superRefine((value, ctx) => {
    const host = value.includes('/') ? value.slice(value.indexOf('/') + 1) : value;
    const problem = hostProblem(host, { allowWildcard: false });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('Host of the provider: a ServiceEntry host of the mesh, else a DNS name or IP reached directly');

export const duration = z
  .string()
  .max(64)
  .superRefine((value, ctx) => {
    const problem = durationProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The host of `namespace/host` or `host`. */
export const providerHost = (value: string): string => (value.includes('/') ? value.slice(value.indexOf('/') + 1) : value);
