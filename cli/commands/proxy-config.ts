import type { Command } from 'commander';
import { PROXY_CONFIG_TYPES, type ProxyConfig } from '../../core/proxies/proxy-config.ts';
import { ApiError } from '../api-client.ts';
import { CliError, usageError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { proxyConfigTables } from '../output/proxy-config-table.ts';

/** `trellis proxy-config PROXY [clusters|listeners|routes|endpoints|secrets|all]`. */
export function registerProxyConfig(program: Command, io: CliIo): void {
  program
    .command('proxy-config')
    .alias('pc')
    .description("The effective Envoy config of one connected proxy (secrets: metadata only); -o json|yaml for the full resources")
    .argument('<proxy>', 'proxy id (see `trellis proxy-status`)')
    .argument('[type]', `${PROXY_CONFIG_TYPES.join('|')}|all`, 'all')
    .action(async (proxyId: string, type: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      if (type !== 'all' && !(PROXY_CONFIG_TYPES as readonly string[]).includes(type)) throw usageError(`unknown config type "${type}"`, `use one of ${PROXY_CONFIG_TYPES.join(', ')}, all`);
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
