import type { z } from 'zod';
import type { FieldError } from '../result.ts';
import { formatPath, type PathSegment } from './field-path.ts';

/** Turns zod issues into field errors; an unknown key becomes one error (`unknownKey`) at that key's own path. */
export function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[] = [], unknownKey = 'unknown field'): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const base = [...prefix, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: formatPath([...base, key]), message: unknownKey });
    } else {
      errors.push({ path: formatPath(base), message: messageOf(issue) });
    }
  }
  return errors;
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `required field is missing (expected ${issue.expected})`;
    if (issue.expected === 'int' && typeof issue.input === 'number') return `expected an integer, got ${issue.input}`;
    return `expected ${issue.expected}, got ${describe(issue.input)}`;
  }
  // Keep messages the schemas wrote themselves; replace zod's generic wording.
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid')) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
