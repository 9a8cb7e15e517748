import type { ApiClient } from '../api-client.ts';
import { meshPath } from '../api-client.ts';
import type { ProxyView } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { preciseDuration } from '../output/time.ts';
import type { SyncReporter } from './sync-reporter.ts';
import { syncState } from './sync-state.ts';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  reporter: SyncReporter;
  /** Succeed when no proxy is connected (a mesh meant to have none); otherwise that is exit code 10. */
  allowEmpty?: boolean;
  /** How long the mesh may show no proxy before exit code 10 (default 2 s: replicas report a new stream within about half a second). */
  emptyGraceMs?: number;
}

export interface WaitResult {
  synced: number;
  total: number;
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the mesh's proxies until every connected one has ACKed `revision` (or later).
 * A NACK at that revision fails at once; running out of time is exit code 6. No proxy connected
 * (for the grace period, or the timeout if shorter) means nothing could be observed: exit code 10,
 * unless `allowEmpty`.
 */
export async function waitForSync(client: ApiClient, mesh: string, revision: number, options: WaitOptions): Promise<WaitResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  const emptyGraceMs = options.emptyGraceMs ?? 2_000;
  try {
    for (;;) {
      const { items } = await client.get<{ items: ProxyView[] }>(meshPath(mesh, '/proxies'));
      const state = syncState(items, revision);
      if (state.total === 0 && options.allowEmpty) return { synced: 0, total: 0, elapsedMs: Date.now() - started };
      if (state.total === 0 && Date.now() - started >= Math.min(emptyGraceMs, options.timeoutMs)) {
        throw new CliError(`no proxy is connected to mesh ${mesh}, so nothing could be observed: revision ${revision} is stored, but no proxy was seen to take it`, ExitCode.NoProxies, {
          hint: 'start or reconnect the mesh\'s proxies (`trellis proxy-status` lists them); --allow-empty accepts a mesh meant to have none',
        });
      }
      if (state.total > 0) options.reporter.update(state.synced, state.total);
      if (state.total > 0 && state.synced === state.total) return { synced: state.synced, total: state.total, elapsedMs: Date.now() - started };
      if (state.rejected.length > 0) {
        throw new CliError(`${state.rejected.length} proxy type(s) rejected revision ${revision}:`, ExitCode.Failure, {
          fieldErrors: state.rejected.map((r) => ({ path: `${r.proxyId} ${r.type.toUpperCase()} (version ${r.version})`, message: r.message })),
          hint: 'fix the config and apply again, or `trellis rollback --to N`; `trellis proxy-status` shows every proxy',
        });
      }
      if (Date.now() >= deadline) {
        throw new CliError(`timed out after ${preciseDuration(options.timeoutMs)}: ${state.synced}/${state.total} proxies synced to revision ${revision}`, ExitCode.WaitTimeout, {
          fieldErrors: state.pending.map((p) => ({ path: p.proxyId, message: p.reason })),
          hint: 'raise --timeout, or see `trellis proxy-status`',
        });
      }
      await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
    }
  } finally {
    options.reporter.stop();
  }
}
