import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { httpRequest } from './http-request.ts';
import { describeEnvoyExit, LineTail, type EnvoyExit } from './envoy-exit.ts';
import { EnvoyBannerFilter } from './envoy-log-filter.ts';

export interface EnvoySupervisorOptions {
  envoyPath: string;
  bootstrapPath: string;
  adminPort: number;
  /** Extra command-line arguments for Envoy. */
  args?: string[];
  /** Added to the agent's environment for Envoy (ProxyConfig environmentVariables). */
  env?: Record<string, string>;
  /** How long listeners drain on SIGTERM before Envoy is stopped. */
  drainMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  logger: Logger;
  /** Where Envoy's stderr goes, line by line, without its extension banner (default: this process's stderr). */
  output?: (line: string) => void;
}

/** A run this long counts as healthy: the next crash restarts without the accumulated backoff. */
const STABLE_RUN_MS = 10_000;
const EXIT_GRACE_MS = 5_000;

/** Runs Envoy, restarts it when it dies (with capped backoff), and drains it before stopping. */
export class EnvoySupervisor {
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private stopping = false;
  restarts = 0;
  /** How Envoy last ended on its own (not when stopped): shown by the agent's `/ready`. */
  lastExit: EnvoyExit | undefined;

  constructor(private readonly o: EnvoySupervisorOptions) {}

  start(): void {
    if (this.stopping) return;
    const startedAt = Date.now();
    const args = ['-c', this.o.bootstrapPath, '--use-dynamic-base-id', '--disable-hot-restart', ...(this.o.args ?? [])];
    const child = spawn(this.o.envoyPath, args, { stdio: ['ignore', 'inherit', 'pipe'], ...(this.o.env ? { env: { ...process.env, ...this.o.env } } : {}) });
    this.child = child;
    this.o.logger.info({ pid: child.pid, args }, 'envoy started');
    const tail = new LineTail();
    const filter = new EnvoyBannerFilter();
    const output = this.o.output ?? ((line: string) => process.stderr.write(`${line}\n`));
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (line) => {
      if (!filter.keep(line)) return;
      tail.push(line);
      output(line);
    });
    child.on('error', (err) => {
      tail.push(`could not be started: ${err.message}`);
      this.o.logger.error({ err }, 'envoy could not be started');
    });
    // 'close' comes after stderr is drained, so the exit reason includes Envoy's last words.
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      this.lastExit = describeEnvoyExit(code, signal, tail.value, new Date());
      if (Date.now() - startedAt > STABLE_RUN_MS) this.attempts = 0;
      const delay = backoffDelay(this.attempts++, this.o.backoff ?? DEFAULT_BACKOFF, this.o.random ?? Math.random);
      this.o.logger.warn({ code, signal, reason: this.lastExit.reason, restartInMs: delay }, 'envoy exited; restarting');
      this.restartTimer = setTimeout(() => {
        this.restarts++;
        this.start();
      }, delay);
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Envoy's own readiness: its admin `/ready` answers LIVE once its initial config is in. */
  async live(): Promise<boolean> {
    if (!this.child) return false;
    try {
      const res = await httpRequest(`http://127.0.0.1:${this.o.adminPort}/ready`, { timeoutMs: 1000 });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Drains listeners gracefully (in-flight requests finish, new connections go elsewhere), then stops Envoy. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await httpRequest(`http://127.0.0.1:${this.o.adminPort}/drain_listeners?graceful`, { method: 'POST', timeoutMs: 1000 });
      await Promise.race([exited, new Promise((r) => setTimeout(r, this.o.drainMs ?? 5000))]);
    } catch (err) {
      this.o.logger.warn({ err }, 'envoy did not accept the drain request; stopping it directly');
    }
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
    await exited;
    clearTimeout(killer);
  }
}
