import { z } from 'zod';

/** `{ value: 0..100 }`, a fractional percentage. */
export const Percent = z
  .strictObject({
    value: z
      .number()
      .min(0, { message: 'percentage must be between 0 and 100' })
      .max(100, { message: 'percentage must be between 0 and 100' }),
  })
  .meta({ id: 'Percent' });
