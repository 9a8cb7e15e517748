import type { Command } from 'commander';
import { ApiError } from '../api-client.ts';
import { CliError, ExitStatus } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { postApply } from '../manifests/apply-request.ts';
import { describeDoc, readManifests } from '../manifests/read-manifests.ts';
import { resourceDiff } from '../manifests/resource-diff.ts';
import { formatProxyDiff } from '../output/proxy-diff.ts';
import { formatWarnings } from '../output/warnings.ts';
import { pluralOf, resolveKind } from '../resource-kinds.ts';
import { collect } from './repeatable.ts';

function colorLines(text: string, paint: CommandContext['paint']): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('+') && !l.startsWith('+++') ? paint(l, 'green') : l.startsWith('-') && !l.startsWith('---') ? paint(l, 'red') : l))
    .join('\n');
}

/** Exit 1 belongs to "differences" here: a failure that would exit 1 exits 9 instead; other codes stay. */
function diffFailure(err: unknown): unknown {
  if (err instanceof CliError && err.exitCode !== ExitCode.Failure) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(message, ExitCode.DiffFailed, err instanceof CliError ? { ...err.options, cause: err } : { cause: err });
}

/** `trellis diff -f FILE`: what applying would change, per proxy group when the API says, else per resource. */
export function registerDiff(program: Command, io: CliIo): void {
  program
    .command('diff')
    .description('Show what `apply -f` would change (a dry run): per proxy group if the server computes it, else a diff of each stored object against the file')
    .option('-f, --filename <path>', 'a YAML/JSON file, a directory, or - for stdin (repeatable)', collect)
    .addHelpText('after', '\nExit status (as kubectl diff): 0 no differences, 1 differences, >1 the diff failed (9 where other commands exit 1).')
    .action(async (opts: { filename?: string[] }, cmd: Command) => {
      const changed = await showDiff(io, cmd, opts.filename ?? []).catch((err: unknown) => {
        throw diffFailure(err);
      });
      if (changed) throw new ExitStatus(ExitCode.Differences);
    });
}

/** Prints the diff; whether anything would change. */
async function showDiff(io: CliIo, cmd: Command, filenames: string[]): Promise<boolean> {
  const ctx = CommandContext.of(io, cmd);
  const manifests = await readManifests(filenames, io.readStdin);
  const client = ctx.client();
  const result = await postApply(client, ctx.mesh(), manifests, { dryRun: true });
  if (result.warnings?.length) ctx.err(formatWarnings(result.warnings, ctx.paint));
  const diffs: { kind: string; namespace: string; name: string; action: string; diff: string }[] = [];
  for (const [i, r] of result.results.entries()) {
    if (r.action === 'unchanged') continue;
    const local = manifests[i]?.doc;
    const id = describeDoc(local);
    let stored: unknown;
    if (r.action === 'updated') {
      try {
        stored = await client.get(ctx.meshPath(`/resources/${pluralOf(resolveKind(r.kind))}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`));
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
    }
    diffs.push({ ...r, diff: resourceDiff(stored, local, `${id?.kind ?? r.kind}/${r.namespace}/${r.name}`) });
  }
  ctx.emit({ ...result, resourceDiffs: diffs }, () => {
    if (diffs.length === 0) return `no changes: the mesh already matches (revision ${result.revision})\n`;
    const proxies = result.proxies ? '\n' + formatProxyDiff(result.proxies, ctx.paint) : '';
    return diffs.map((d) => colorLines(d.diff, ctx.paint)).join('') + proxies;
  });
  return diffs.length > 0;
}
