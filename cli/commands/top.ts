import type { Command } from 'commander';
import { usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { renderTable, type Cell } from '../output/table.ts';

interface VersionSignals {
  version: string;
  requests: number;
  requestsPerSecond: number;
  successRate: number | null;
  latencyMs: { p50: number; p95: number; p99: number } | null;
}
interface ServiceSignals {
  host: string;
  windowSeconds: number;
  reporters: number;
  total: VersionSignals;
  versions: VersionSignals[];
}

/** Most services one screen follows; bounds the requests of each refresh. */
const MAX_SERVICES = 50;
// Cursor home and clear screen, as `top` and `watch` redraw.
const CLEAR = '\u001b[H\u001b[2J';

const rate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
const ms = (n: number) => (n >= 100 ? `${n.toFixed(0)}ms` : `${n.toFixed(1)}ms`);

function rowsOf(s: ServiceSignals): Cell[][] {
  const row = (v: VersionSignals, version: string): Cell[] => {
    const success: Cell = v.successRate === null ? '-' : { text: `${(v.successRate * 100).toFixed(2)}%`, color: v.successRate < 0.99 ? 'red' : 'green' };
    return [s.host, version, rate(v.requestsPerSecond), success, v.latencyMs ? ms(v.latencyMs.p50) : '-', v.latencyMs ? ms(v.latencyMs.p95) : '-', v.latencyMs ? ms(v.latencyMs.p99) : '-'];
  };
  if (s.versions.length === 0) return [[s.host, '-', '0', '-', '-', '-', '-']];
  return [...s.versions.map((v) => row(v, v.version)), ...(s.versions.length > 1 ? [row(s.total, '(all)')] : [])];
}

/** `trellis top SERVICE... [-n NS]`: golden signals per service and version, refreshed like `top` on a terminal. */
export function registerTop(program: Command, io: CliIo): void {
  program
    .command('top')
    .description("Requests/s, success rate and p50/p95/p99 latency per service and version, as the services' clients' sidecars report them; refreshes on a terminal (Ctrl-C stops), prints once otherwise")
    .argument('<service...>', 'service names (completed as NAME.NS.svc.cluster.local) or full hosts')
    .option('-n, --namespace <ns>', 'namespace of the services', 'default')
    .option('--window <seconds>', 'the window the signals cover, 10 to 900', '60')
    .option('--interval <seconds>', 'seconds between refreshes', '2')
    .option('--once', 'print once, even on a terminal')
    .action(async (services: string[], opts: { namespace: string; window: string; interval: string; once?: boolean }, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      if (services.length > MAX_SERVICES) throw usageError(`at most ${MAX_SERVICES} services`);
      const window = Number(opts.window);
      if (!/^\d+$/.test(opts.window) || window < 10 || window > 900) throw usageError('--window must be whole seconds from 10 to 900');
      const interval = Number(opts.interval);
      if (!(interval >= 1 && interval <= 3600)) throw usageError('--interval must be 1 to 3600 seconds');
      const client = ctx.client();
      const fetchAll = () => Promise.all(services.map((s) => client.get<ServiceSignals>(ctx.meshPath(`/services/${encodeURIComponent(opts.namespace)}/${encodeURIComponent(s)}/signals?window=${window}`))));
      const render = (all: ServiceSignals[]) => renderTable(['SERVICE', 'VERSION', 'RPS', 'SUCCESS', 'P50', 'P95', 'P99'], all.flatMap(rowsOf), ctx.paint);
      const refreshing = io.stdout.isTTY === true && !opts.once && ctx.options.output === 'table';
      if (!refreshing) {
        const all = await fetchAll();
        ctx.emit({ items: all }, () => render(all));
        return;
      }
      let stopped = false;
      const stop = () => (stopped = true);
      process.once('SIGINT', stop);
      try {
        while (!stopped) {
          const all = await fetchAll();
          io.stdout.write(`${CLEAR}mesh ${ctx.mesh()}, last ${window}s, every ${interval}s (Ctrl-C stops)\n\n${render(all)}`);
          await new Promise((r) => setTimeout(r, interval * 1000));
        }
      } finally {
        process.removeListener('SIGINT', stop);
      }
    });
}
