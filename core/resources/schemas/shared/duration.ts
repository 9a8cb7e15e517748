import { z } from 'zod';
import { DURATION_PATTERN, durationProblem } from '../../formats/duration.ts';

const PATTERN_MESSAGE = 'must be a duration with a unit, e.g. "100ms", "1.5s", "1h2m"';

/** An Istio duration of at least 1ms, millisecond precision (timeouts, intervals). */
export const Duration = z
  .string()
  .regex(DURATION_PATTERN, { message: PATTERN_MESSAGE })
  .superRefine((value, ctx) => {
    // The pattern check already reported strings that are not durations at all.
    if (!DURATION_PATTERN.test(value)) return;
    const problem = durationProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'Duration such as "1s", "100ms" or "1h2m"; at least 1ms, millisecond precision.' });

/** A duration where zero is meaningful (idle timeouts, cookie TTLs). */
export const DurationOrZero = z
  .string()
  .regex(DURATION_PATTERN, { message: PATTERN_MESSAGE })
  .superRefine((value, ctx) => {
    if (!DURATION_PATTERN.test(value)) return;
    const problem = durationProblem(value, { allowZero: true });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'Duration such as "0s", "1s" or "1h"; millisecond precision.' });
