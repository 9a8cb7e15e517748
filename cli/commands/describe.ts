import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Revision } from '../api-types.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { isWorkloadsKind, liveStateError } from '../live-kinds.ts';
import { age } from '../output/time.ts';
import { pluralOf, resolveKind } from '../resource-kinds.ts';
import { getInNamespace } from './found-elsewhere.ts';

const indent = (text: string, by = '  ') =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** `trellis describe KIND NAME -n NS`: the object, readably, and the revisions that touched it. */
export function registerDescribe(program: Command, io: CliIo): void {
  program
    .command('describe')
    .description('Show one resource in detail, with the recent revisions that changed it')
    .argument('<kind>', 'resource kind')
    .argument('<name>', 'resource name')
    .option('-n, --namespace <ns>', "namespace (default: the context's, else default)")
    .action(async (kindArg: string, name: string, opts: { namespace?: string }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const namespace = ctx.namespace(opts.namespace);
      if (isWorkloadsKind(kindArg)) throw liveStateError('describe');
      const kind = resolveKind(kindArg);
      const client = ctx.client();
      const item = await getInNamespace(client, ctx.meshPath(`/resources/${pluralOf(kind)}`), kind, namespace, name);
      // The first page of history is enough to show recent changes; `trellis history` has the rest.
      const { items: revisions } = await client.get<{ items: Revision[] }>(ctx.meshPath('/revisions'), { limit: '100' });
      const touching = revisions
        .map((rev) => ({ rev, change: rev.changes.find((c) => c.kind === kind && c.namespace === namespace && c.name === name) }))
        .filter((x) => x.change !== undefined)
        .slice(0, 10);
      ctx.emit({ resource: item, revisions: touching.map(({ rev, change }) => ({ revision: rev.revision, createdAt: rev.createdAt, author: rev.author, action: change!.action, message: rev.message })) }, () => {
        const lines = [
          `Name:          ${item.metadata.name}`,
          `Namespace:     ${item.metadata.namespace}`,
          `Kind:          ${item.kind}`,
          `API Version:   ${item.apiVersion}`,
          `Version:       ${item.metadata.resourceVersion} (the mesh revision that last wrote it)`,
          `Mesh:          ${ctx.mesh()}`,
          `Labels:        ${Object.entries(item.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>'}`,
          `Annotations:   ${Object.entries(item.metadata.annotations ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '<none>'}`,
          'Spec:',
          indent(stringify(item.spec, { lineWidth: 0 })),
          'Changes:',
          touching.length === 0
            ? '  <none in the last 100 revisions>'
            : touching.map(({ rev, change }) => `  revision ${rev.revision}  ${change!.action.padEnd(7)}  ${age(rev.createdAt)} ago  by ${rev.author}${rev.message ? `  "${rev.message}"` : ''}`).join('\n'),
        ];
        return lines.join('\n') + '\n';
      });
    });
}
