import type { Command } from 'commander';
import type { StoredResource } from '../api-types.ts';
import { usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { isWorkloadsKind } from '../live-kinds.ts';
import { summaryColumns } from '../output/resource-summary.ts';
import { renderTable } from '../output/table.ts';
import { pluralOf, resolveKind } from '../resource-kinds.ts';
import { getWorkloads } from './get-workloads.ts';
import { getInNamespace } from './found-elsewhere.ts';

interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
}

/** `trellis get KIND [NAME] [-n NS | -A]`. */
export function registerGet(program: Command, io: CliIo): void {
  program
    .command('get')
    .description('List resources of a kind, or show one (kinds: virtualservices|vs, destinationrules|dr, gateways|gw, serviceentries|se, sidecars, workloadentries|we, workloadgroups|wg, peerauthentications|pa, authorizationpolicies|ap, requestauthentications|ra; and workloads|wl, the live registry of connected sidecars)')
    .argument('<kind>', 'resource kind (plural, singular or short name)')
    .argument('[name]', 'resource name')
    .option('-n, --namespace <ns>', "namespace (default: the context's, else default)")
    .option('-A, --all-namespaces', 'list across every namespace')
    .action(async (kindArg: string, name: string | undefined, opts: GetOptions, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const namespace = ctx.namespace(opts.namespace);
      if (isWorkloadsKind(kindArg)) return getWorkloads(ctx, cmd, name, { ...opts, namespace });
      const kind = resolveKind(kindArg);
      if (name && opts.allNamespaces) throw usageError('a NAME cannot be combined with -A', 'pass -n NAMESPACE with a name');
      const client = ctx.client();
      const base = ctx.meshPath(`/resources/${pluralOf(kind)}`);
      if (name) {
        const item = await getInNamespace(client, base, kind, namespace, name);
        ctx.emit(item, () => table(kind, [item], false));
        return;
      }
      const items = await client.list<StoredResource>(opts.allNamespaces ? base : `${base}/${encodeURIComponent(namespace)}`);
      ctx.emit({ apiVersion: 'v1', kind: 'List', items }, () =>
        items.length === 0 ? `No ${pluralOf(kind)} found${opts.allNamespaces ? '' : ` in namespace ${namespace}`}.\n` : table(kind, items, opts.allNamespaces === true),
      );
    });
}

function table(kind: string, items: readonly StoredResource[], withNamespace: boolean): string {
  const summary = summaryColumns(kind);
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', ...summary.headers, 'VERSION'];
  const rows = items.map((r) => [...(withNamespace ? [r.metadata.namespace] : []), r.metadata.name, ...summary.cells(r), r.metadata.resourceVersion]);
  return renderTable(headers, rows);
}
