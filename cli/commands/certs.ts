import type { Command } from 'commander';
import type { ProxyView } from '../api-types.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { renderTable, type Cell } from '../output/table.ts';
import { shortDuration } from '../output/time.ts';

// A certificate this close to expiry should have been rotated already (agents renew at about half-life).
const WARN_SECONDS = 3600;

/** `trellis certs`: the workload identities of connected proxies and when their certificates expire. */
export function registerCerts(program: Command, io: CliIo): void {
  program
    .command('certs')
    .description('Workload identities (SPIFFE IDs) of connected proxies and certificate expiry')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const { items } = await ctx.client().get<{ items: ProxyView[] }>(ctx.meshPath('/proxies'));
      const withCert = items.filter((p) => p.certificate);
      const data = { items: withCert.map((p) => ({ proxyId: p.proxyId, namespace: p.namespace, serviceAccount: p.serviceAccount, ...p.certificate })) };
      ctx.emit(data, () => {
        if (withCert.length === 0) {
          return items.length === 0
            ? `no proxies connected to mesh ${ctx.mesh()}\n`
            : `certificate information is not available: none of the ${items.length} connected prox${items.length === 1 ? 'y' : 'ies'} uses mTLS to the control plane (local mode: TRELLIS_XDS_MTLS=true)\n`;
        }
        const rows = withCert.map((p): Cell[] => {
          const c = p.certificate!;
          const left = c.expiresInSeconds <= 0 ? { text: 'EXPIRED', color: 'red' as const } : { text: shortDuration(c.expiresInSeconds * 1000), ...(c.expiresInSeconds < WARN_SECONDS ? { color: 'yellow' as const } : {}) };
          return [p.proxyId, c.spiffeId, c.serialNumber, c.notAfter, left];
        });
        return renderTable(['PROXY', 'IDENTITY', 'SERIAL', 'NOT AFTER', 'EXPIRES IN'], rows, ctx.paint);
      });
    });
}
