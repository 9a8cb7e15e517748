import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { ROOT } from './tools.ts';

/** Debian's prometheus package the tests run; scripts/ensure-prometheus.sh installs it into .tools/. */
export const PROMETHEUS_DEB_VERSION = '2.42.0+ds-5+deb12u1';
const PROMETHEUS_DIR = path.join(ROOT, '.tools/prometheus', PROMETHEUS_DEB_VERSION.split('+')[0]!);
export const PROMETHEUS_BIN = path.join(PROMETHEUS_DIR, 'prometheus');
export const PROMTOOL_BIN = path.join(PROMETHEUS_DIR, 'promtool');

/** Installs Prometheus and promtool into .tools/ when missing (idempotent, no root). */
export function ensurePrometheus(): void {
  if (existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN)) return;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/ensure-prometheus.sh')], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PROMETHEUS_DEB_VERSION }, timeout: 180_000 });
  if (r.status !== 0) throw new Error(`scripts/ensure-prometheus.sh failed (${r.error?.message ?? `exit ${r.status}`})`);
}

export interface ScrapeJob {
  job: string;
  /** host:port targets. */
  targets: string[];
  metricsPath: string;
}

export interface QueryResult {
  resultType: string;
  result: { metric: Record<string, string>; value?: [number, string] }[];
  /** Prometheus's own timing of the query (`stats=all`), seconds. */
  evalSeconds: number | undefined;
}

export interface RuleState {
  name: string;
  type: 'alerting' | 'recording';
  query: string;
  /** Alerting rules: inactive, pending or firing. */
  state?: string;
  health: string;
  lastError?: string;
}

export interface RunningPrometheus {
  url: string;
  /** An instant query; throws on an error answer (bad syntax, evaluation error). */
  query(expr: string): Promise<QueryResult>;
  rules(): Promise<RuleState[]>;
  /** Targets that are not up, with their last error. */
  downTargets(): Promise<string[]>;
  logs(): string;
  stop(): Promise<void>;
}

/** A real Prometheus on a free loopback port scraping `jobs` every second and evaluating `ruleFiles` every second. */
export async function startPrometheus(o: { jobs: ScrapeJob[]; ruleFiles: string[] }): Promise<RunningPrometheus> {
  ensurePrometheus();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: o.ruleFiles,
    scrape_configs: o.jobs.map((j) => ({ job_name: j.job, metrics_path: j.metricsPath, static_configs: [{ targets: j.targets }] })),
  };
  // JSON is YAML: no YAML writer needed.
  writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-50_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}${p}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${p}: ${body.error ?? res.status}`);
    return body.data;
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`prometheus exited:\n${output}`);
      return (await fetch(`${url}/-/ready`).then((r) => r.status, () => 0)) === 200;
    }, 'Prometheus ready', 30_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async query(expr) {
      const data = await api<{ resultType: string; result: QueryResult['result']; stats?: { timings?: { evalTotalTime?: number } } }>(`/api/v1/query?stats=all&query=${encodeURIComponent(expr)}`);
      return { resultType: data.resultType, result: data.result, evalSeconds: data.stats?.timings?.evalTotalTime };
    },
    async rules() {
      const data = await api<{ groups: { rules: RuleState[] }[] }>('/api/v1/rules');
      return data.groups.flatMap((g) => g.rules);
    },
    async downTargets() {
      const data = await api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }>('/api/v1/targets');
      return data.activeTargets.filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`);
    },
    logs: () => output,
    stop,
  };
}
