import type { Context } from 'hono';
import { badRequest } from './problem.ts';

export const etag = (version: string): string => `"${version}"`;

/**
 * The precondition of a write: `If-Match: "<v>"` → must be at v; `If-None-Match: *` → must not
 * exist; neither → undefined (unconditional).
 */
export function writePrecondition(c: Context): string | null | undefined {
  const ifMatch = c.req.header('if-match');
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw badRequest('If-None-Match supports only `*` (create only).');
    return null;
  }
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"([0-9]{1,15})"\s*$/.exec(ifMatch);
  if (!m) throw badRequest('If-Match must be an ETag returned by this API, such as "12".');
  return m[1]!;
}
