import { z } from 'zod';

/** A reference to a Gateway API resource (or Service) a policy attaches to. */
export const PolicyTargetReference = z
  .strictObject({
    group: z
      .string()
      .max(253)
      .regex(/^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: 'group must be empty or a DNS subdomain' })
      .optional(),
    kind: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, { message: 'kind must be a resource kind such as "Gateway"' }),
    name: z.string().min(1).max(253),
    namespace: z.string().max(0, { message: 'cross-namespace references are not supported; leave namespace empty' }).optional(),
  })
  .meta({ id: 'PolicyTargetReference' });
