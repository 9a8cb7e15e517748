import { z } from 'zod';
import { MAX_REGEX_LENGTH, regexProblem } from '../../formats/regex.ts';

/** A regular expression in RE2 syntax, as Envoy evaluates it. */
export const Regex = z
  .string()
  .max(MAX_REGEX_LENGTH, { message: `regex is longer than ${MAX_REGEX_LENGTH} characters` })
  .superRefine((value, ctx) => {
    if (value.length > MAX_REGEX_LENGTH) return;
    const problem = regexProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'RE2 regular expression' });
