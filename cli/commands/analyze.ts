import type { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { postApply } from '../manifests/apply-request.ts';
import { partitionManifests, skippedLine } from '../manifests/managed-kinds.ts';
import { readManifests } from '../manifests/read-manifests.ts';
import { formatApplyResults } from '../output/apply-results.ts';
import { renderTable } from '../output/table.ts';
import { collect } from './repeatable.ts';

/** `trellis analyze -f FILE [--strict]`: validation and analyzer findings for files against the mesh, storing nothing. */
export function registerAnalyze(program: Command, io: CliIo): void {
  program
    .command('analyze')
    .description('Validate files against the mesh and report analyzer findings (a dry run; nothing is stored)')
    .option('-f, --filename <path>', 'a YAML/JSON file, a directory, or - for stdin (repeatable)', collect)
    .option('--strict', 'exit with code 7 when there are findings (for CI)')
    .option('-n, --namespace <ns>', "namespace of objects that name none (default: the context's, else default)")
    .action(async (opts: { filename?: string[]; strict?: boolean; namespace?: string }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      // Objects Trellis does not manage are skipped as `apply` skips them.
      const { managed: manifests, foreign } = partitionManifests(await readManifests(opts.filename ?? [], io.readStdin));
      if (foreign.length > 0) ctx.err(skippedLine(foreign));
      const result = manifests.length > 0
        ? await postApply(ctx.client(), ctx.mesh(), manifests, { dryRun: true, namespace: ctx.namespace(opts.namespace) })
        : { dryRun: true, revision: 0, created: false, results: [], warnings: [] };
      const warnings = result.warnings ?? [];
      ctx.emit({ warnings, results: result.results }, () => {
        const findings = warnings.length
          ? renderTable(
              ['CODE', 'PATH', 'MESSAGE'],
              warnings.map((w) => [{ text: w.code, color: 'yellow' as const }, w.path ?? '', w.message]),
              ctx.paint,
            )
          : `${ctx.paint('✔', 'green')} No validation issues found in ${manifests.length} document${manifests.length === 1 ? '' : 's'} (mesh ${ctx.mesh()})\n`;
        return findings + '\n' + formatApplyResults(result);
      });
      if (opts.strict && warnings.length > 0) throw new CliError(`${warnings.length} finding${warnings.length === 1 ? '' : 's'} with --strict`, ExitCode.Findings, { hint: 'fix the findings above, or drop --strict to treat them as warnings' });
    });
}
