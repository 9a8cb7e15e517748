import type { Findings } from './collector.ts';

/** Policies attach by selector or by targetRef(s), never both. */
export function checkSingleSelection(f: Findings, spec: { selector?: unknown; targetRef?: unknown; targetRefs?: unknown }): void {
  const used = (['selector', 'targetRef', 'targetRefs'] as const).filter((k) => spec[k] !== undefined);
  if (used.length > 1) f.add([used[1] ?? 'selector'], `set only one of ${used.join(' and ')}`);
}
