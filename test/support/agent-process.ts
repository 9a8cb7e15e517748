import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { ENVOY_BIN, ROOT } from './tools.ts';
import { assertNoEnvoyTrouble, type ExpectedTrouble } from './envoy-counters.ts';

/** One certificate the agent logged (`certificate issued` / `certificate renewed`). */
export interface LoggedCertificate {
  serial: string;
  renewal: boolean;
  /** When the test saw the line (epoch ms). */
  at: number;
  notAfter: string;
  renewAt: string;
}

export interface AgentProcess {
  pid: number;
  /** When the process was spawned (epoch ms). */
  startedAt: number;
  adminPort: number;
  readyPort: number;
  /** Port of the merged Prometheus scrape (`/stats/prometheus`). */
  metricsPort: number;
  outboundPort: number;
  inboundPort: number | undefined;
  /** URL of the sidecar's local outbound listener. */
  outbound: string;
  /** Certificates in the order the agent logged them. */
  certificates(): LoggedCertificate[];
  /** When the agent first logged `msg` (its own timestamp, epoch ms), e.g. `agent started`, `envoy started`. */
  firstLogged(msg: string): number | undefined;
  /** The agent's JSON log lines and what Envoy printed, for failure messages. */
  logs(): string;
  /** GET on Envoy's admin interface, as text. */
  envoyAdmin(pathAndQuery: string): Promise<string>;
  /** Declares Envoy trouble the test provokes on purpose (a NACK, a control-plane restart). */
  expectTrouble(expected: ExpectedTrouble): void;
  /**
   * Checks Envoy's trouble counters (stalls, rejections, failed updates), then SIGTERM (the agent
   * drains and stops Envoy), SIGKILL after a bound; removes the work dir; throws what the check found.
   */
  stop(): Promise<void>;
}

export interface AgentProcessOptions {
  apiUrl: string;
  xdsAddress: string;
  joinToken: string;
  workload: string;
  labels?: Record<string, string>;
  /** The application's port on 127.0.0.1 (gives the sidecar an inbound listener). */
  appPort?: number;
  /** Extra `trellis-agent run` arguments (`--ttl`, `--rotation-ratio`, ...). */
  args?: string[];
}

const STOP_GRACE_MS = 10_000;

/** `trellis-agent run --xds-mtls --envoy-path <envoy>` as its own process, on free loopback ports, as a user runs it. */
export async function startAgentProcess(o: AgentProcessOptions): Promise<AgentProcess> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), `trellis-agent-${o.workload}-`));
  const [adminPort, readyPort, outboundPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const inboundPort = o.appPort !== undefined ? await freePort() : undefined;
  const args = [
    'bin/trellis-agent.mjs', 'run',
    '--api', o.apiUrl, '--join-token', o.joinToken, '--workload', o.workload, '--address', '127.0.0.1',
    '--xds', o.xdsAddress, '--xds-mtls', '--work-dir', workDir,
    '--admin-port', String(adminPort), '--ready-port', String(readyPort), '--outbound-port', String(outboundPort),
    '--metrics-port', String(metricsPort),
    ...(o.appPort !== undefined ? ['--port', String(o.appPort), '--inbound-port', String(inboundPort)] : []),
    ...Object.entries(o.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '--envoy-path', ENVOY_BIN, '--envoy-arg', '--log-level', '--envoy-arg', 'warn', '--envoy-arg', '--concurrency', '--envoy-arg', '1',
    '--drain-seconds', '1',
    ...(o.args ?? []),
  ];
  const startedAt = Date.now();
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRELLIS_LOG_LEVEL: 'info' } });
  let output = '';
  let partial = '';
  const certificates: LoggedCertificate[] = [];
  const firstLogged = new Map<string, number>();
  const keep = (text: string) => {
    output += text;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', (b: Buffer) => {
    keep(b.toString());
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      // Envoy shares the agent's stdout; only the agent's lines are JSON.
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; time?: number; serial?: string; notAfter?: string; renewAt?: string };
      if (entry.msg && entry.time && !firstLogged.has(entry.msg)) firstLogged.set(entry.msg, entry.time);
      if ((entry.msg === 'certificate issued' || entry.msg === 'certificate renewed') && entry.serial) {
        certificates.push({ serial: entry.serial, renewal: entry.msg === 'certificate renewed', at: Date.now(), notAfter: entry.notAfter ?? '', renewAt: entry.renewAt ?? '' });
      }
    }
  });
  child.stderr?.on('data', (b: Buffer) => keep(b.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  let expected: ExpectedTrouble = {};
  const envoyAdmin = async (p: string) => (await fetch(`http://127.0.0.1:${adminPort}${p}`, { signal: AbortSignal.timeout(5000) })).text();
  const stop = async () => {
    const verdict = exited
      ? undefined
      : await assertNoEnvoyTrouble(`sidecar of ${o.workload}`, envoyAdmin, expected).then(
          () => undefined,
          (err: unknown) => new Error(`${err instanceof Error ? err.message : String(err)}\n--- agent and Envoy output ---\n${output.slice(-3000)}`),
        );
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exit;
      clearTimeout(killer);
    }
    rmSync(workDir, { recursive: true, force: true });
    if (verdict) throw verdict;
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`trellis-agent exited:\n${output}`);
      return (await fetch(`http://127.0.0.1:${readyPort}/ready`)).status > 0;
    }, `trellis-agent ${o.workload} serving /ready`, 60_000, 50);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    pid: child.pid!,
    startedAt,
    adminPort,
    readyPort,
    metricsPort,
    outboundPort,
    inboundPort,
    outbound: `http://127.0.0.1:${outboundPort}`,
    certificates: () => [...certificates],
    firstLogged: (msg) => firstLogged.get(msg),
    logs: () => output,
    envoyAdmin,
    expectTrouble(e) {
      expected = { ...expected, ...e };
    },
    stop,
  };
}
