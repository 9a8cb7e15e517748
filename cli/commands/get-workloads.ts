import type { Command } from 'commander';
import type { WorkloadView } from '../api-types.ts';
import { CliError, usageError } from '../cli-error.ts';
import type { CommandContext } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { workloadTable } from '../output/workload-table.ts';

/**
 * `trellis get workloads [NAME] [-n NS]`: the mesh's registry entries (connected sidecars). Live
 * state, so every namespace unless `-n` is given on the command line.
 */
export async function getWorkloads(ctx: CommandContext, cmd: Command, name: string | undefined, opts: { namespace: string; allNamespaces?: boolean }): Promise<void> {
  const namespaced = cmd.getOptionValueSource('namespace') === 'cli';
  if (namespaced && opts.allNamespaces) throw usageError('-n and -A cannot be combined');
  const { items: all } = await ctx.client().get<{ items: WorkloadView[] }>(ctx.meshPath('/workloads'));
  const items = all.filter((w) => (!namespaced || w.namespace === opts.namespace) && (name === undefined || w.name === name));
  const where = namespaced ? ` in namespace ${opts.namespace}` : '';
  if (name !== undefined) {
    if (items.length === 0) throw new CliError(`workload "${name}" is not registered in mesh ${ctx.mesh()}${where}`, ExitCode.NotFound, { hint: '`trellis get workloads` lists the registered workloads' });
    // Names are unique per namespace; across namespaces one name may match several entries.
    ctx.emit(items.length === 1 ? items[0] : { items }, () => workloadTable(items));
    return;
  }
  ctx.emit({ items }, () => (items.length === 0 ? `No workloads registered in mesh ${ctx.mesh()}${where}.\n` : workloadTable(items)));
}
