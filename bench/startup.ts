// What users wait for when they start something: `trellis --help` against a bare `node -e 0`, the
// agent's peak memory for `--help` and for the `wait-ready` probe (run every few seconds per pod),
// and the local server's time to its first `GET /healthz` 200. Runs the bins on the built dist/.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { builtEntry } from '../bin/ensure-built.mjs';
import { ROOT } from '../test/support/tools.ts';
import { freePort, waitFor } from '../test/support/ports.ts';
import { percentile } from './stats.ts';

const RUNS = Number(process.env.STARTUP_BENCH_RUNS ?? 7);
const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-startup-'));
const rssFile = path.join(dir, 'rss');
// Preloaded into each measured process: writes its peak RSS (KiB) on exit.
const REPORT_RSS = `data:text/javascript,import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`;

interface Sample {
  ms: number;
  rssMiB: number;
}

// Asynchronous spawn: the stand-in ready endpoint below answers from this process's event loop.
async function runOnce(args: string[]): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_RSS, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`);
  return { ms, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

async function measure(args: string[]): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await runOnce(args));
  return { ms: percentile(samples.map((s) => s.ms), 50), rssMiB: percentile(samples.map((s) => s.rssMiB), 50) };
}

/** Spawn → first 200 from /healthz, on a fresh data directory and free ports. */
async function serverFirstAnswer(): Promise<number> {
  const [apiPort, xdsPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(path.join(dir, 'data-'));
  const started = performance.now();
  const server = spawn(process.execPath, ['bin/trellis-server.mjs'], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, TRELLIS_DATA_DIR: dataDir, TRELLIS_API_PORT: String(apiPort), TRELLIS_XDS_PORT: String(xdsPort), TRELLIS_LOG_LEVEL: 'warn' },
  });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${apiPort}/healthz`)).status === 200, 'local server /healthz', 30_000, 5);
    return performance.now() - started;
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
}

// A stand-in for the agent's ready endpoint, so `wait-ready` measures the probe alone.
const ready = createServer((_req, res) => res.end('ok'));
await new Promise<void>((resolve) => ready.listen(0, '127.0.0.1', resolve));
const readyPort = (ready.address() as AddressInfo).port;
try {
  for (const app of ['trellis', 'trellis-agent', 'trellis-server']) builtEntry(app);
  const bare = await measure(['-e', '0']);
  const help = await measure(['bin/trellis.mjs', '--help']);
  const agentHelp = await measure(['bin/trellis-agent.mjs', '--help']);
  const waitReady = await measure(['bin/trellis-agent.mjs', 'wait-ready', '--port', String(readyPort), '--timeout-seconds', '5']);
  const firstAnswers: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) firstAnswers.push(await serverFirstAnswer());
  const line = (what: string, s: Sample) => `${what}: median ${s.ms.toFixed(0)} ms, peak RSS ${s.rssMiB.toFixed(1)} MiB`;
  console.log(`runs: ${RUNS} each (medians)`);
  console.log(line('node -e 0', bare));
  console.log(`${line('trellis --help', help)} (${(help.ms / bare.ms).toFixed(1)}× node -e 0)`);
  console.log(line('trellis-agent --help', agentHelp));
  console.log(line('trellis-agent wait-ready (agent ready)', waitReady));
  console.log(`trellis-server start → first /healthz 200: median ${percentile(firstAnswers, 50).toFixed(0)} ms, max ${Math.max(...firstAnswers).toFixed(0)} ms`);
} finally {
  ready.close();
  rmSync(dir, { recursive: true, force: true });
}
