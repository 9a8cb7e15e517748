import type { Command } from 'commander';
import { ApiError } from '../api-client.ts';
import { CliError, usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { isWorkloadsKind, liveStateError } from '../live-kinds.ts';
import { ExitCode } from '../exit-codes.ts';
import { describeDoc, readManifests } from '../manifests/read-manifests.ts';
import { objectRef, pluralOf, resolveKind } from '../resource-kinds.ts';
import { collect } from './repeatable.ts';

interface DeleteOptions {
  namespace?: string;
  filename?: string[];
  ignoreNotFound?: boolean;
}

/** `trellis delete KIND NAME -n NS` or `trellis delete -f FILE`: one revision per deleted object. */
export function registerDelete(program: Command, io: CliIo): void {
  program
    .command('delete')
    .description('Delete a resource, or every resource named in files')
    .argument('[kind]', 'resource kind')
    .argument('[name]', 'resource name')
    .option('-n, --namespace <ns>', "namespace, and of objects in files that name none (default: the context's, else default)")
    .option('-f, --filename <path>', 'delete the objects in a file, directory or - for stdin (repeatable)', collect)
    .option('--ignore-not-found', 'treat an object that does not exist as deleted')
    .action(async (kindArg: string | undefined, name: string | undefined, opts: DeleteOptions, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      if (kindArg && isWorkloadsKind(kindArg)) throw liveStateError('delete');
      let targets: { kind: string; namespace: string; name: string }[];
      if (opts.filename?.length) {
        if (kindArg) throw usageError('pass either KIND NAME or -f, not both');
        const manifests = await readManifests(opts.filename, io.readStdin);
        targets = manifests.map((m) => {
          const id = describeDoc(m.doc, ctx.namespace(opts.namespace));
          if (!id) throw new CliError(`${m.source}: a document without kind and metadata.name`, ExitCode.Validation);
          return id;
        });
      } else {
        if (!kindArg || !name) throw usageError('delete needs KIND and NAME (or -f FILE)', 'e.g. `trellis delete vs reviews -n shop`');
        targets = [{ kind: kindArg, namespace: ctx.namespace(opts.namespace), name }];
      }
      const client = ctx.client();
      const results: { kind: string; namespace: string; name: string; revision?: number; deleted: boolean }[] = [];
      let missing: CliError | undefined;
      for (const t of targets) {
        const kind = resolveKind(t.kind);
        try {
          const res = await client.request<{ revision: number }>('DELETE', ctx.meshPath(`/resources/${pluralOf(kind)}/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.name)}`));
          results.push({ ...t, kind, revision: res.body.revision, deleted: true });
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404) || /Mesh "/.test(err.message)) throw err;
          results.push({ ...t, kind, deleted: false });
          if (!opts.ignoreNotFound) missing ??= err;
        }
      }
      ctx.emit({ results }, () => results.map((r) => `${objectRef(r.kind, r.name)} ${r.deleted ? 'deleted' : 'not found'}\n`).join(''));
      if (missing) throw missing;
    });
}
