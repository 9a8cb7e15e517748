import { Option, type Command } from 'commander';
import type { Revision } from '../api-types.ts';
import { usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { convergedCell, reportsConvergence } from '../output/convergence.ts';
import { changeSummary } from '../output/revision-changes.ts';
import { renderTable } from '../output/table.ts';
import { age } from '../output/time.ts';

/** `trellis history`: the revision log, newest first. */
export function registerHistory(program: Command, io: CliIo): void {
  program
    .command('history')
    .description('Show the revisions of the mesh: number, when, who, what changed')
    .addOption(new Option('--limit <n>', 'how many revisions to show').default('20'))
    .action(async (opts: { limit: string }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usageError('--limit must be an integer from 1 to 1000');
      const { items } = await ctx.client().get<{ items: Revision[] }>(ctx.meshPath('/revisions'), { limit: String(limit) });
      const converged = reportsConvergence(items);
      ctx.emit({ items }, () => {
        if (items.length === 0) return `mesh ${ctx.mesh()} has no revisions yet; \`trellis apply -f\` creates the first\n`;
        const headers = ['REVISION', 'AGE', 'AUTHOR', ...(converged ? ['CONVERGED'] : []), 'CHANGES', 'MESSAGE'];
        const rows = items.map((r) => [String(r.revision), age(r.createdAt), r.author, ...(converged ? [convergedCell(r)] : []), changeSummary(r), r.message ?? (r.rollbackTo !== undefined ? `rollback to ${r.rollbackTo}` : '')]);
        return renderTable(headers, rows);
      });
    });
}
