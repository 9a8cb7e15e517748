import { z } from 'zod';

const HeaderOperations = z.strictObject({
  set: z.record(z.string(), z.string()).optional(),
  add: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
});

/** Header manipulation for requests and responses. */
export const Headers = z
  .strictObject({
    request: HeaderOperations.optional(),
    response: HeaderOperations.optional(),
  })
  .meta({ id: 'Headers' });

export type Headers = z.infer<typeof Headers>;
