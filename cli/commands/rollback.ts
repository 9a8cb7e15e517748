import type { Command } from 'commander';
import { usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { preciseDuration } from '../output/time.ts';
import { syncReporter } from '../wait/sync-reporter.ts';
import { waitForSync } from '../wait/wait-for-sync.ts';
import { addWaitOptions, timeoutMs } from './wait-options.ts';

interface RollbackOptions {
  to: string;
  message?: string;
  wait?: boolean;
  timeout: string;
  allowEmpty?: boolean;
}

/** `trellis rollback --to N`: restores revision N's config as a new revision. */
export function registerRollback(program: Command, io: CliIo): void {
  const rollback = program
    .command('rollback')
    .description("Restore an earlier revision's config (recorded as a new revision)")
    .requiredOption('--to <revision>', 'the revision to restore')
    .option('--message <text>', 'why (recorded with the revision)');
  addWaitOptions(rollback).action(async (opts: RollbackOptions, cmd: Command) => {
    const ctx = CommandContext.of(io, cmd);
    const to = Number(opts.to);
    if (!/^\d+$/.test(opts.to) || !Number.isSafeInteger(to)) throw usageError(`--to "${opts.to}" is not a revision number`, '`trellis history` lists the revisions');
    const wait = opts.wait ? timeoutMs(opts.timeout) : undefined;
    const client = ctx.client();
    const mesh = ctx.mesh();
    const res = await client.request<{ revision: number; created: boolean; rollbackTo: number; changes: { kind: string; namespace: string; name: string; action: string }[] }>('POST', ctx.meshPath('/rollback'), {
      body: { toRevision: to, ...(opts.message ? { message: opts.message } : {}) },
    });
    const r = res.body;
    ctx.emit(r, () => (r.created ? `rolled back to revision ${to}: revision ${r.revision} (${r.changes.length} change${r.changes.length === 1 ? '' : 's'})\n` : `already at revision ${to}'s config; nothing changed (head is ${r.revision})\n`));
    if (wait === undefined) return;
    const done = await waitForSync(client, mesh, r.revision, { timeoutMs: wait, reporter: syncReporter(ctx.progressStream), allowEmpty: opts.allowEmpty === true });
    ctx.note(done.total === 0 ? `no proxies connected to mesh ${mesh}; nothing to wait for (--allow-empty)` : `revision ${r.revision}: ${done.synced}/${done.total} proxies synced in ${preciseDuration(done.elapsedMs)}`);
  });
}
