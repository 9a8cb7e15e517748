import type { Command } from 'commander';
import { unreachableHint } from '../api-client.ts';
import { CliError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { CLI_VERSION } from '../cli-version.ts';
import { ExitCode } from '../exit-codes.ts';

interface ServerVersion {
  url: string;
  version?: string;
  api?: string;
  error?: string;
}

/** Asks `GET /version`, which needs no key, so this works before a context is set up. */
async function serverVersion(url: string): Promise<ServerVersion> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/version`, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { url, error: `cannot reach ${url} (${cause})` };
  }
  if (!res.ok) return { url, error: `${url} answered HTTP ${res.status} to GET /version: not a Trellis server, or one too old to say its version` };
  const body = (await res.json().catch(() => ({}))) as { version?: unknown; api?: unknown };
  if (typeof body.version !== 'string') return { url, error: `${url} answered GET /version without a version: not a Trellis server` };
  return { url, version: body.version, ...(typeof body.api === 'string' ? { api: body.api } : {}) };
}

/** `trellis version`: this CLI and the server's release; exit 1 when the server cannot say it. */
export function registerVersion(program: Command, io: CliIo): void {
  program
    .command('version')
    .description('Print the CLI version and the server version (exit 1 when the server cannot be reached)')
    .option('--client', 'only the CLI version (no network)')
    .action(async (opts: { client?: boolean }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const server = opts.client ? undefined : await serverVersion(ctx.target().server);
      const data = { client: { version: CLI_VERSION }, ...(server ? { server } : {}) };
      ctx.emit(data, () => `Client: trellis ${CLI_VERSION}\n` + (server?.version ? `Server: ${server.url} trellis ${server.version}${server.api ? ` (API ${server.api})` : ''}\n` : ''));
      if (server?.error) throw new CliError(server.error, ExitCode.Failure, { hint: `${unreachableHint(server.url)}; \`trellis version --client\` skips the server` });
    });
}
