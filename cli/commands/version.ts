import type { Command } from 'commander';
import { CommandContext, type CliIo } from '../command-context.ts';
import { CLI_VERSION } from '../cli-version.ts';

/** `trellis version`: this CLI and, if reachable, the server's API. */
export function registerVersion(program: Command, io: CliIo): void {
  program
    .command('version')
    .description('Print the CLI version and the server API version')
    .option('--client', 'only the CLI version (no network)')
    .action(async (opts: { client?: boolean }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const target = ctx.target();
      let server: { url: string; apiVersion?: string; error?: string } | undefined;
      if (!opts.client) {
        try {
          // /openapi.json needs no key, so this works before a context is set up.
          const res = await fetch(`${target.server.replace(/\/+$/, '')}/openapi.json`, { signal: AbortSignal.timeout(5000) });
          const doc = (await res.json()) as { info?: { version?: string } };
          server = { url: target.server, ...(doc.info?.version ? { apiVersion: `v${doc.info.version}` } : {}) };
        } catch (err) {
          server = { url: target.server, error: `unreachable (${(err as Error).message})` };
        }
      }
      const data = { client: { version: CLI_VERSION }, ...(server ? { server } : {}) };
      ctx.emit(data, () => `Client: trellis ${CLI_VERSION}\n` + (server ? `Server: ${server.url} ${server.apiVersion ? `API ${server.apiVersion}` : server.error}\n` : ''));
    });
}
