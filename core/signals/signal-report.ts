import { z } from 'zod';
import { fail, ok, type Result } from '../result.ts';
import { DURATION_BOUNDS_MS, MAX_REPORT_SERVICES } from './report-limits.ts';

export { DURATION_BOUNDS_MS, MAX_REPORT_SERVICES };
/** Per service and report: far above what one sidecar serves in a report period. */
const MAX_COUNT = 1_000_000_000;

const count = z.number().int().min(0).max(MAX_COUNT);
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const ServiceDelta = z
  .strictObject({
    host: z.string().regex(HOST, 'must be a lower-case DNS name'),
    version: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, 'must be a subset name (letters, digits, ".", "_", "-"; at most 63) or "unknown"'),
    requests: count,
    errors: count.describe('requests answered 5xx'),
    durationCounts: z.array(count).length(DURATION_BOUNDS_MS.length + 1, `must hold ${DURATION_BOUNDS_MS.length + 1} counts, one per duration bucket and one above`),
  })
  .refine((s) => s.errors <= s.requests, { message: 'errors cannot exceed requests', path: ['errors'] });

const Report = z.strictObject({ services: z.array(ServiceDelta).max(MAX_REPORT_SERVICES, `at most ${MAX_REPORT_SERVICES} services`) });

/** What one sidecar saw since its previous report, per service and version, as a client of it. */
export type SignalReport = z.infer<typeof Report>;
export type ServiceDelta = SignalReport['services'][number];

/** Checks a report body (parsed JSON) with field paths; never throws. */
export function parseSignalReport(body: unknown): Result<SignalReport> {
  const parsed = Report.safeParse(body);
  if (parsed.success) return ok(parsed.data);
  return fail(parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
}
