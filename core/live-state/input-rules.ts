import { z } from 'zod';
import { isDns1123Label } from '../resources/formats/names.ts';
import type { PathSegment } from '../resources/field-path.ts';
import { issuesToFieldErrors } from '../resources/zod-issues.ts';
import type { FieldError } from '../result.ts';

/**
 * Rules every live-state store (workload registry, fleet status) checks its input by, the same for
 * each implementation, so an entry one adapter takes the other takes too.
 */
export const dnsLabel = z.string().refine(isDns1123Label, 'must be a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)');

/** The name a replica or source poller gives itself (a host name, a task id or ARN): printable, no spaces. */
export const replicaName = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .max(512, 'must be at most 512 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** The problems of one value against one rule, with paths under `path`. */
export function fieldProblem(schema: z.ZodType, value: unknown, path: PathSegment[]): FieldError[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : issuesToFieldErrors(parsed.error.issues, path);
}

/** Whether live state stamped `expiresAt` still counts at `now`: it must be strictly later. */
export function unexpired(expiresAt: string, now: Date): boolean {
  return Date.parse(expiresAt) > now.getTime();
}
