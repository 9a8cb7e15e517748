import type { Command } from 'commander';
import { meshPath } from '../api-client.ts';
import type { CliIo } from '../command-context.ts';
import { CommandContext } from '../command-context.ts';
import { renderTable } from '../output/table.ts';
import { age } from '../output/time.ts';

/** A source as `GET /v1/meshes/{mesh}/registry-sources` returns it. */
interface CloudMapSourceView {
  cloudMapNamespace: string;
  service: string;
  namespace: string;
  state: string;
  polledBy?: string;
  lastSuccessAt?: string;
  lastError?: string;
  lastErrorAt?: string;
  consecutiveFailures: number;
  instances?: number;
  filtered?: number;
}

interface RegistrySourcesView {
  cloudMap: { observed: boolean; periodSeconds?: number; sources: CloudMapSourceView[] };
}

const ERROR_COLUMN = 80;

/** `trellis mesh sources [name]`: the registry sources a mesh names, who polls each and how its polls go. */
export function registerMeshSources(mesh: Command, io: CliIo): void {
  mesh
    .command('sources')
    .description('Show the registry sources (Cloud Map services) a mesh names: the replica polling each, its last success and its failures')
    .argument('[name]', 'mesh name (default: the selected mesh)')
    .action(async (name: string | undefined, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const mesh = name ?? ctx.mesh();
      const view = await ctx.client().get<RegistrySourcesView>(meshPath(mesh, '/registry-sources'));
      const { sources, observed } = view.cloudMap;
      if (!observed && sources.length > 0) ctx.err('this deployment cannot read how the xds-servers poll the sources: their state is unknown, not fine\n');
      ctx.emit(view, () =>
        sources.length === 0
          ? `mesh ${mesh} names no registry sources (settings registrySources.cloudMap)\n`
          : renderTable(
              ['CLOUD MAP SERVICE', 'NAMESPACE', 'STATE', 'POLLED BY', 'LAST SUCCESS', 'FAILURES', 'INSTANCES', 'LAST ERROR'],
              sources.map((s) => [
                `${s.cloudMapNamespace}/${s.service}`,
                s.namespace,
                s.state,
                s.polledBy ?? '-',
                s.lastSuccessAt ? `${age(s.lastSuccessAt)} ago` : '-',
                String(s.consecutiveFailures),
                s.instances === undefined ? '-' : s.filtered ? `${s.instances} (${s.filtered} filtered)` : String(s.instances),
                s.lastError ? `${age(s.lastErrorAt)} ago: ${s.lastError.length > ERROR_COLUMN ? `${s.lastError.slice(0, ERROR_COLUMN - 1)}…` : s.lastError}` : '-',
              ]),
            ),
      );
    });
}
