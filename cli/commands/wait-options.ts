import { Option, type Command } from 'commander';
import { usageError } from '../cli-error.ts';
import { parseDuration } from '../output/time.ts';

/** `--wait` and `--timeout` for commands that create a revision. */
export function addWaitOptions(command: Command): Command {
  return command
    .option('--wait', 'wait until every connected proxy of the mesh has ACKed the new revision (no proxy connected: exit 10)')
    .addOption(new Option('--timeout <duration>', 'how long --wait waits (e.g. 30s, 2m)').default('60s'))
    .option('--allow-empty', 'with --wait: succeed when no proxy is connected to the mesh (for a mesh meant to have none)');
}

export function timeoutMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw usageError(`--timeout "${text}" is not a duration`, 'use e.g. 30s, 2m or 500ms');
  return ms;
}
