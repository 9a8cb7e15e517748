import { CliError } from '../cli-error.ts';
import type { Paint } from './color.ts';

/** What the user sees on stderr for a failure: the message, `path: message` lines, then what to do next. */
export function formatError(err: unknown, paint: Paint): string {
  if (!(err instanceof CliError)) return `${paint('error:', 'red')} ${err instanceof Error ? err.message : String(err)}\n`;
  const lines = [`${paint('error:', 'red')} ${err.message}`, ...err.fieldErrors.map((e) => `${e.path || '(root)'}: ${e.message}`)];
  if (err.hint) lines.push(`${paint('hint:', 'dim')} ${err.hint}`);
  return lines.join('\n') + '\n';
}
