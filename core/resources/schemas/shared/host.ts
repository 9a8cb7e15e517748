import { z } from 'zod';
import { hostProblem } from '../../formats/hostname.ts';

/** A service host name; a wildcard first label is allowed (`*.example.com`). */
export const Host = z.string().superRefine((value, ctx) => {
  const problem = hostProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A host name without wildcards. */
export const ExactHost = z.string().superRefine((value, ctx) => {
  const problem = hostProblem(value, { allowWildcard: false });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
