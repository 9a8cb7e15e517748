import type { Command } from 'commander';
import { dnsLabelProblem } from '../../core/resources/formats/names.ts';
import { CliError, usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { writeConfig, type TrellisContext } from '../config/config-file.ts';
import { ExitCode } from '../exit-codes.ts';
import { renderTable } from '../output/table.ts';

function checkNamespace(ns: string): string {
  const problem = dnsLabelProblem(ns, 'namespace');
  if (problem) throw usageError(`--namespace: ${problem}`);
  return ns;
}

function checkServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--server "${url}" is not a URL`, 'pass the API base URL, e.g. --server http://127.0.0.1:8080');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`--server must be http:// or https:// (got ${parsed.protocol})`);
  return url.replace(/\/+$/, '');
}

/** `trellis context set|use|list|current|delete`: saved servers, keys and default meshes. */
export function registerContext(program: Command, io: CliIo): void {
  const context = program.command('context').description('Manage saved contexts (server URL, API key, default mesh and namespace)');

  context
    .command('set')
    .description('Create or update a context; the first one saved becomes current')
    .argument('<name>', 'context name')
    .option('--server <url>', 'API base URL')
    .option('--api-key <key>', 'API key (stored owner-only in the config file)')
    .option('--mesh <mesh>', 'default mesh for commands run in this context')
    .option('-n, --namespace <ns>', 'default namespace for commands run without -n in this context')
    .action((name: string, opts: { server?: string; apiKey?: string; mesh?: string; namespace?: string }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const config = ctx.config();
      const existing = config.contexts[name];
      // `-m` is also the global mesh flag; accept it here as the context's default mesh.
      const mesh = opts.mesh ?? ctx.options.mesh;
      if (!existing && !opts.server) throw usageError(`context "${name}" is new: --server is required`);
      const updated: TrellisContext = {
        server: opts.server ? checkServer(opts.server) : existing!.server,
        ...((opts.apiKey ?? existing?.apiKey) ? { apiKey: opts.apiKey ?? existing?.apiKey } : {}),
        ...((mesh ?? existing?.mesh) ? { mesh: mesh ?? existing?.mesh } : {}),
        ...((opts.namespace ?? existing?.namespace) ? { namespace: opts.namespace !== undefined ? checkNamespace(opts.namespace) : existing?.namespace } : {}),
      };
      config.contexts[name] = updated;
      if (!config.currentContext || !config.contexts[config.currentContext]) config.currentContext = name;
      writeConfig(ctx.configFile, config);
      ctx.out(`context "${name}" ${existing ? 'updated' : 'created'}${config.currentContext === name ? ' (current)' : ''} in ${ctx.configFile}`);
    });

  context
    .command('use')
    .description('Make a context current')
    .argument('<name>', 'context name')
    .action((name: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const config = ctx.config();
      if (!config.contexts[name]) throw new CliError(`context "${name}" does not exist`, ExitCode.NotFound, { hint: '`trellis context list` shows the saved contexts' });
      config.currentContext = name;
      writeConfig(ctx.configFile, config);
      ctx.out(`switched to context "${name}"`);
    });

  context
    .command('list')
    .description('List saved contexts (never their keys)')
    .action((_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const config = ctx.config();
      const items = Object.entries(config.contexts).map(([name, c]) => ({ name, current: name === config.currentContext, server: c.server, mesh: c.mesh, namespace: c.namespace, hasApiKey: c.apiKey !== undefined }));
      ctx.emit({ currentContext: config.currentContext, contexts: items }, () =>
        items.length === 0
          ? 'no contexts saved; create one with `trellis context set NAME --server URL --api-key KEY`\n'
          : renderTable(
              ['CURRENT', 'NAME', 'SERVER', 'MESH', 'NAMESPACE', 'API KEY'],
              items.map((i) => [i.current ? '*' : '', i.name, i.server, i.mesh ?? '', i.namespace ?? '', i.hasApiKey ? 'set' : '']),
            ),
      );
    });

  context
    .command('current')
    .description('Print the current context')
    .action((_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const current = ctx.config().currentContext;
      if (!current) throw new CliError('no current context', ExitCode.NotFound, { hint: '`trellis context set NAME --server URL --api-key KEY` creates one' });
      ctx.out(current);
    });

  context
    .command('delete')
    .description('Forget a context')
    .argument('<name>', 'context name')
    .action((name: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const config = ctx.config();
      if (!config.contexts[name]) throw new CliError(`context "${name}" does not exist`, ExitCode.NotFound, { hint: '`trellis context list` shows the saved contexts' });
      delete config.contexts[name];
      if (config.currentContext === name) delete config.currentContext;
      writeConfig(ctx.configFile, config);
      ctx.out(`context "${name}" deleted`);
    });
}
