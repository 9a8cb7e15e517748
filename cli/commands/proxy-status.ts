import type { Command } from 'commander';
import type { ProxyView } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { stateColor } from '../output/color.ts';
import { refusalLines, registrationCell } from '../output/proxy-registration.ts';
import { renderTable, type Cell } from '../output/table.ts';

const TYPES = ['cds', 'lds', 'eds', 'rds'] as const;

/** `trellis proxy-status [PROXY]`: like `istioctl proxy-status`, per proxy and xDS type. */
export function registerProxyStatus(program: Command, io: CliIo): void {
  program
    .command('proxy-status')
    .alias('ps')
    .description('Connected proxies: per xDS type SYNCED (acked what was sent), STALE (waiting) or NACKED (rejected), with NACK messages; whether each is registered as a workload, or why it was refused')
    .argument('[proxy]', 'only this proxy id')
    .action(async (proxyId: string | undefined, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const { items: all } = await ctx.client().get<{ items: ProxyView[] }>(ctx.meshPath('/proxies'));
      const items = proxyId ? all.filter((p) => p.proxyId === proxyId) : all;
      if (proxyId && items.length === 0) throw new CliError(`proxy "${proxyId}" is not connected to mesh ${ctx.mesh()}`, ExitCode.NotFound, { hint: '`trellis proxy-status` lists the connected proxies' });
      ctx.emit({ items }, () => {
        if (items.length === 0) return `no proxies connected to mesh ${ctx.mesh()}\n`;
        const rows = items.map((p) => [
          p.proxyId,
          p.namespace ?? '-',
          ...TYPES.map((t): Cell => {
            const state = p.types[t]?.state ?? 'NOT SENT';
            return { text: state, color: stateColor(state) };
          }),
          p.revision !== undefined ? String(p.revision) : '-',
          p.protocol.toUpperCase(),
          registrationCell(p),
        ]);
        const nacks = items.flatMap((p) =>
          Object.entries(p.types)
            .filter(([, t]) => t?.lastNack)
            .map(([type, t]) => `${ctx.paint('NACK', 'red')} ${p.proxyId} ${type.toUpperCase()} version ${t!.lastNack!.version} at ${t!.lastNack!.at}${t!.state === 'NACKED' ? '' : ' (since superseded)'}: ${t!.lastNack!.message}\n`),
        );
        const notes = [...nacks, ...refusalLines(items, ctx.paint)];
        return renderTable(['NAME', 'NAMESPACE', 'CDS', 'LDS', 'EDS', 'RDS', 'REVISION', 'PROTOCOL', 'REGISTRATION'], rows, ctx.paint) + (notes.length ? '\n' + notes.join('') : '');
      });
    });
}
