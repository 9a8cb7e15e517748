import type { Command } from 'commander';
import { PROXY_CONFIG_TYPES, type ProxyConfig } from '../../core/proxies/proxy-config.ts';
import { ApiError } from '../api-client.ts';
import { CliError, usageError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { envoyEndpoints, envoyEndpointsTable } from '../output/envoy-endpoints.ts';
import { proxyConfigTables } from '../output/proxy-config-table.ts';

const DEFAULT_ADMIN = 'http://127.0.0.1:15000';
const ADMIN_TIMEOUT_MS = 5000;

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

async function adminJson(admin: URL, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, admin), { signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new CliError(`cannot reach Envoy's admin interface at ${admin.origin} (${cause})`, ExitCode.Failure, { hint: "--from-envoy runs on the workload's host; --admin names another admin address" });
  }
  if (!res.ok) throw new CliError(`Envoy's admin interface at ${admin.origin} answered ${res.status} to ${path}`, ExitCode.Failure);
  try {
    return await res.json();
  } catch {
    throw new CliError(`Envoy's admin interface at ${admin.origin} did not answer ${path} with JSON`, ExitCode.Failure);
  }
}

/** Envoy's own view of its endpoints, from its admin port; refuses an Envoy that is not `proxyId`. */
async function endpointsFromEnvoy(ctx: CommandContext, proxyId: string, adminUrl: string): Promise<void> {
  let admin: URL;
  try {
    admin = new URL(adminUrl);
  } catch {
    throw usageError(`--admin must be a URL such as ${DEFAULT_ADMIN} (got ${JSON.stringify(adminUrl.slice(0, 100))})`);
  }
  if (admin.protocol !== 'http:') throw usageError(`--admin must be an http:// URL (got ${admin.protocol})`);
  const nodeId = obj(obj(await adminJson(admin, '/server_info')).node).id;
  if (nodeId !== proxyId) throw new CliError(`the Envoy at ${admin.origin} is ${typeof nodeId === 'string' ? `proxy ${nodeId}` : 'a proxy without a node id'}, not ${proxyId}`, ExitCode.Usage, { hint: '--admin names the admin address of that proxy' });
  const endpoints = envoyEndpoints(await adminJson(admin, '/clusters?format=json'));
  ctx.emit({ proxy: proxyId, source: 'envoy', endpoints }, () => envoyEndpointsTable(endpoints));
}

/** `trellis proxy-config PROXY [clusters|listeners|routes|endpoints|secrets|all] [--from-envoy [--admin URL]]`. */
export function registerProxyConfig(program: Command, io: CliIo): void {
  program
    .command('proxy-config')
    .alias('pc')
    .description("The effective Envoy config of one connected proxy (secrets: metadata only); -o json|yaml for the full resources")
    .argument('<proxy>', 'proxy id (see `trellis proxy-status`)')
    .argument('[type]', `${PROXY_CONFIG_TYPES.join('|')}|all`, 'all')
    .option('--from-envoy', "endpoints: Envoy's own health and request counts, read from its admin port (run on the workload's host) instead of what the control plane sent")
    .option('--admin <url>', 'Envoy admin address for --from-envoy', DEFAULT_ADMIN)
    .action(async (proxyId: string, type: string, opts: { fromEnvoy?: boolean; admin: string }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      if (type !== 'all' && !(PROXY_CONFIG_TYPES as readonly string[]).includes(type)) throw usageError(`unknown config type "${type}"`, `use one of ${PROXY_CONFIG_TYPES.join(', ')}, all`);
      if (opts.fromEnvoy) {
        if (type !== 'endpoints') throw usageError('--from-envoy shows endpoints only', `trellis proxy-config ${proxyId} endpoints --from-envoy`);
        await endpointsFromEnvoy(ctx, proxyId, opts.admin);
        return;
      }
      let config: ProxyConfig;
      try {
        config = await ctx.client().get<ProxyConfig>(ctx.meshPath(`/proxies/${encodeURIComponent(proxyId)}/config`), { type });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && !/^Mesh "/.test(err.message)) throw new CliError(err.message, ExitCode.NotFound, { hint: '`trellis proxy-status` lists the connected proxies' });
        throw err;
      }
      ctx.emit(config, () => proxyConfigTables(config.types, type === 'all'));
    });
}
