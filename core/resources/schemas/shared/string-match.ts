import { z } from 'zod';
import { Regex } from './regex.ts';

/** Exactly one of exact, prefix or regex; an empty object matches presence only. */
export const StringMatch = z
  .strictObject({
    exact: z.string().optional(),
    prefix: z.string().optional(),
    regex: Regex.optional(),
  })
  .refine((m) => [m.exact, m.prefix, m.regex].filter((v) => v !== undefined).length <= 1, {
    message: 'set only one of exact, prefix or regex',
  })
  .meta({ id: 'StringMatch' });

export type StringMatch = z.infer<typeof StringMatch>;
