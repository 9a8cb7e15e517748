import type { Warning } from '../api-types.ts';
import type { Paint } from './color.ts';

/** Analyzer findings, one a line: `Warning [CODE] path: message`. */
export function formatWarnings(warnings: readonly Warning[], paint: Paint): string {
  return warnings.map((w) => `${paint('Warning', 'yellow')} [${w.code}] ${w.path ? `${w.path}: ` : ''}${w.message}\n`).join('');
}
