import type { Command } from 'commander';
import { CommandContext, type CliIo } from '../command-context.ts';
import { readManifests } from '../manifests/read-manifests.ts';
import { postApply } from '../manifests/apply-request.ts';
import { formatApplyResults } from '../output/apply-results.ts';
import { formatWarnings } from '../output/warnings.ts';
import { preciseDuration } from '../output/time.ts';
import { syncReporter } from '../wait/sync-reporter.ts';
import { waitForSync } from '../wait/wait-for-sync.ts';
import { addWaitOptions, timeoutMs } from './wait-options.ts';
import { collect } from './repeatable.ts';
import { partitionManifests, skippedLine, strictKindsError } from '../manifests/managed-kinds.ts';

interface ApplyOptions {
  filename?: string[];
  dryRun?: boolean;
  wait?: boolean;
  timeout: string;
  allowEmpty?: boolean;
  message?: string;
  namespace?: string;
  strictKinds?: boolean;
}

/** `trellis apply -f FILE|DIR|-`: every document in one revision, all or nothing. */
export function registerApply(program: Command, io: CliIo): void {
  const apply = program
    .command('apply')
    .description('Create or update resources from files, directories (recursively, in name order) or stdin, as one revision')
    .option('-f, --filename <path>', 'a YAML/JSON file, a directory, or - for stdin (repeatable)', collect)
    .option('--dry-run', 'validate and report what would change; store nothing')
    .option('--message <text>', 'a note recorded with the revision (shown by `trellis history`)')
    .option('-n, --namespace <ns>', "namespace of objects that name none (default: the context's, else default); objects that name one keep it")
    .option('--strict-kinds', 'fail on objects Trellis does not manage (Deployments, Services…) instead of skipping them');
  addWaitOptions(apply).action(async (opts: ApplyOptions, cmd: Command) => {
    const ctx = CommandContext.of(io, cmd);
    const wait = opts.wait && !opts.dryRun ? timeoutMs(opts.timeout) : undefined;
    const { managed: manifests, foreign } = partitionManifests(await readManifests(opts.filename ?? [], io.readStdin));
    if (foreign.length > 0 && opts.strictKinds) throw strictKindsError(foreign);
    if (foreign.length > 0) ctx.err(skippedLine(foreign));
    if (manifests.length === 0) {
      ctx.emit({ dryRun: opts.dryRun === true, results: [] }, () => 'nothing to apply: the input holds no mesh configuration\n');
      return;
    }
    const client = ctx.client();
    const mesh = ctx.mesh();
    const result = await postApply(client, mesh, manifests, { dryRun: opts.dryRun === true, namespace: ctx.namespace(opts.namespace), ...(opts.message ? { message: opts.message } : {}) });
    if (result.warnings?.length) ctx.err(formatWarnings(result.warnings, ctx.paint));
    ctx.emit(result, () => formatApplyResults(result));
    if (wait === undefined) return;
    const done = await waitForSync(client, mesh, result.revision, { timeoutMs: wait, reporter: syncReporter(ctx.progressStream), allowEmpty: opts.allowEmpty === true });
    const summary = done.total === 0 ? `no proxies connected to mesh ${mesh}; nothing to wait for (--allow-empty)` : `revision ${result.revision}: ${done.synced}/${done.total} proxies synced in ${preciseDuration(done.elapsedMs)}`;
    ctx.note(summary);
  });
}
