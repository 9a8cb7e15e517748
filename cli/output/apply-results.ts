import type { ApplyResult } from '../api-types.ts';
import { objectRef } from '../resource-kinds.ts';

// kubectl's words: an update of an existing object is "configured".
const WORDS = { created: 'created', updated: 'configured', unchanged: 'unchanged' } as const;

/** `virtualservice/reviews configured`, one line per applied object. */
export function formatApplyResults(result: ApplyResult): string {
  const suffix = result.dryRun ? ' (dry run)' : '';
  return result.results.map((r) => `${objectRef(r.kind, r.name)} ${WORDS[r.action]}${suffix}\n`).join('');
}
