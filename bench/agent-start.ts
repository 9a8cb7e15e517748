// The sidecar agent as a user runs it (`trellis-agent run --xds-mtls --envoy-path ...`, its own process,
// on the built dist/trellis-agent.mjs): time from start to /ready and to the first mTLS xDS stream,
// and the agent's memory (RSS) once ready.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { builtEntry } from '../bin/ensure-built.mjs';
import { startLocal } from '../local/start-local.ts';
import { ENVOY_BIN, ROOT } from '../test/support/tools.ts';
import { freePort, waitFor } from '../test/support/ports.ts';
import { ms, percentile } from './stats.ts';

const RUNS = Number(process.env.AGENT_BENCH_RUNS ?? 5);
/** Node/V8 flags for the agent's process (e.g. "--jitless"), to weigh a flag's memory against its CPU (bench agent-load). */
const AGENT_NODE_FLAGS = (process.env.AGENT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const KEY = 'bench-admin-key-0123456789abcdef';

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
}

// Built before the clock starts: a rebuild is not part of an agent's start.
builtEntry('trellis-agent');
const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-agent-'));
const trellis = await startLocal({ dataDir: path.join(dir, 'data'), host: '127.0.0.1', apiPort: 0, xdsPort: 0, bootstrapKey: KEY, logger: pino({ level: 'silent' }), xdsMtls: true });
const api = (method: string, p: string, body?: unknown) =>
  fetch(`${trellis.apiUrl}${p}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
try {
  await api('PUT', '/v1/meshes/bench', {});
  const toReady: number[] = [];
  const toXds: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const workload = `w${run}`;
    const token = ((await (await api('POST', '/v1/meshes/bench/join-tokens', { namespace: 'bench', serviceAccount: workload })).json()) as { token: string }).token;
    const [adminPort, readyPort, outboundPort] = [await freePort(), await freePort(), await freePort()];
    const args = [...AGENT_NODE_FLAGS, 'bin/trellis-agent.mjs', 'run', '--api', trellis.apiUrl, '--join-token', token, '--workload', workload, '--address', '127.0.0.1', '--xds', trellis.xdsAddress, '--xds-mtls',
      '--envoy-path', ENVOY_BIN, '--envoy-arg', '--log-level', '--envoy-arg', 'error', '--envoy-arg', '--concurrency', '--envoy-arg', '1',
      '--admin-port', String(adminPort), '--ready-port', String(readyPort), '--outbound-port', String(outboundPort), '--work-dir', path.join(dir, workload), '--drain-seconds', '1'];
    const started = performance.now();
    const agent = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TRELLIS_LOG_LEVEL: 'warn' } });
    let xdsAt = 0;
    const watchXds = (async () => {
      await waitFor(async () => {
        const items = ((await (await api('GET', '/v1/meshes/bench/proxies')).json()) as { items: { serviceAccount: string; certificate?: unknown }[] }).items;
        return items.some((p) => p.serviceAccount === workload && p.certificate !== undefined);
      }, 'mTLS xDS stream', 30_000, 10);
      xdsAt = performance.now();
    })();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${readyPort}/ready`)).status === 200, 'agent ready', 30_000, 10);
    toReady.push(performance.now() - started);
    await watchXds;
    toXds.push(xdsAt - started);
    await new Promise((r) => setTimeout(r, 1000));
    rss.push(rssMiB(agent.pid!));
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    agent.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) throw new Error(`agent exited ${code} on SIGTERM`);
  }
  const summary = (xs: number[]) => `median ${ms(percentile(xs, 50))}, max ${ms(Math.max(...xs))}`;
  console.log(`runs: ${RUNS} (agent process = node${AGENT_NODE_FLAGS.map((f) => ` ${f}`).join('')} running dist/trellis-agent.mjs; Envoy is separate and not counted)`);
  console.log(`agent start → first mTLS xDS stream: ${summary(toXds)}`);
  console.log(`agent start → /ready 200 (certificate + Envoy LIVE): ${summary(toReady)}`);
  console.log(`agent RSS 1 s after ready: median ${percentile(rss, 50).toFixed(1)} MiB, max ${Math.max(...rss).toFixed(1)} MiB`);
} finally {
  await trellis.close();
  rmSync(dir, { recursive: true, force: true });
}
