import { z } from 'zod';
import { analyze } from '../core/analysis/index.ts';
import { keyString, type IstioResource, type ResourceKey } from '../core/resources/resource.ts';
import { ValidationError } from '../core/errors.ts';

export const WarningSchema = z
  .object({
    code: z.string().describe('Stable analyzer code, e.g. TRL0103'),
    message: z.string(),
    path: z.string().describe('`[i].field.path` for the i-th applied document, else `Kind/namespace/name: field.path`'),
  })
  .meta({ id: 'Warning', description: 'A likely mistake found by the analyzers; never blocks a change unless `?strict=true`' });

export type Warning = z.infer<typeof WarningSchema>;

/** The response header a single-resource write carries its warnings in (a JSON array of Warning). */
export const WARNINGS_HEADER = 'x-trellis-warnings';

/**
 * Analyzer findings about the resources a change touches, over the mesh after it. `documents`
 * maps each applied key to its document index so paths point into the request.
 */
export function changeWarnings(after: readonly IstioResource[], changed: readonly ResourceKey[], documents: ReadonlyMap<string, number> = new Map()): Warning[] {
  return analyze(after, { changed }).map((f) => {
    const index = documents.get(keyString(f.resource));
    const path = index !== undefined ? `[${index}].${f.path}` : `${keyString(f.resource)}: ${f.path}`;
    return { code: f.code, message: f.message, path };
  });
}

/** `?strict=true`: warnings become a 400, and nothing is stored. */
export function refuseIfStrict(strict: boolean, warnings: readonly Warning[]): void {
  if (!strict || warnings.length === 0) return;
  throw new ValidationError(
    `${warnings.length} analyzer warning(s) and strict=true; nothing was stored.`,
    warnings.map((w) => ({ path: w.path, message: `${w.code}: ${w.message}` })),
  );
}

/** Parses `?strict=`; only true and false are accepted. */
export function strictParam(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ValidationError('strict must be true or false.', [{ path: 'strict', message: 'must be true or false' }]);
}

/** JSON for a header value: non-ASCII escaped so every HTTP stack carries it intact. */
export function warningsHeaderValue(warnings: readonly Warning[]): string {
  return JSON.stringify(warnings).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
