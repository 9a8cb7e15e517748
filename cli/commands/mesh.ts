import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { MeshView } from '../api-types.ts';
import { ApiError, meshPath } from '../api-client.ts';
import { CliError, usageError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { renderTable } from '../output/table.ts';
import { age } from '../output/time.ts';
import { registerMeshSources } from './mesh-sources.ts';

function readSettings(file: string | undefined): unknown {
  if (!file) return {};
  try {
    return parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw usageError(`cannot read mesh settings from ${file}: ${(err as Error).message}`);
  }
}

/** `trellis mesh create|list|delete|get`. */
export function registerMesh(program: Command, io: CliIo): void {
  const mesh = program.command('mesh').description('Manage meshes');

  mesh
    .command('create')
    .description('Create a mesh (fails with exit code 5 if it exists)')
    .argument('<name>', 'mesh name (DNS label)')
    .option('--settings <file>', 'mesh settings as YAML or JSON')
    .action(async (name: string, opts: { settings?: string }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const client = ctx.client();
      try {
        const res = await client.request<MeshView>('PUT', meshPath(name), { body: readSettings(opts.settings), headers: { 'if-none-match': '*' } });
        ctx.emit(res.body, () => `mesh/${name} created\n`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 412) throw new CliError(`mesh ${name} already exists`, ExitCode.Conflict, { hint: `\`trellis mesh get ${name}\` shows it` });
        throw err;
      }
    });

  mesh
    .command('list')
    .alias('ls')
    .description('List meshes')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const items = await ctx.client().list<MeshView>('/v1/meshes');
      const current = ctx.target().mesh;
      ctx.emit({ items }, () =>
        items.length === 0 ? 'no meshes; create one with `trellis mesh create NAME`\n' : renderTable(['NAME', 'REVISION', 'AGE', 'SELECTED'], items.map((m) => [m.name, String(m.revision), age(m.createdAt), m.name === current ? '*' : ''])),
      );
    });

  mesh
    .command('get')
    .description('Show a mesh and its settings')
    .argument('[name]', 'mesh name (default: the selected mesh)')
    .action(async (name: string | undefined, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const m = await ctx.client().get<MeshView>(meshPath(name ?? ctx.mesh()));
      ctx.emit(m, () => renderTable(['NAME', 'REVISION', 'AGE', 'SETTINGS'], [[m.name, String(m.revision), age(m.createdAt), JSON.stringify(m.settings)]]));
    });

  registerMeshSources(mesh, io);

  mesh
    .command('delete')
    .description('Delete a mesh with all its config and history')
    .argument('<name>', 'mesh name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      await ctx.client().request('DELETE', meshPath(name));
      ctx.emit({ deleted: name }, () => `mesh/${name} deleted\n`);
    });
}
