import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENVOY_BIN } from './tools.ts';
import { waitFor } from './ports.ts';
import { assertNoEnvoyTrouble, type ExpectedTrouble } from './envoy-counters.ts';

export interface RunningEnvoy {
  adminPort: number;
  /** Everything Envoy printed, for failure messages. */
  logs(): string;
  /** GET on the admin interface, as text. */
  admin(pathAndQuery: string): Promise<string>;
  /** A counter or gauge value from `/stats`, or undefined. */
  stat(name: string): Promise<number | undefined>;
  /** Declares trouble the test provokes on purpose (a NACK, a control-plane restart). */
  expectTrouble(expected: ExpectedTrouble): void;
  /** Fails when Envoy counted a stall, rejection or failed update the test did not declare. */
  assertNoTrouble(): Promise<void>;
  /** Checks Envoy's trouble counters (see assertNoTrouble), then stops it; throws what the check found. */
  stop(): Promise<void>;
}

/**
 * Starts a real Envoy with the given bootstrap (YAML or JSON text). The bootstrap must set
 * `admin.address` to 127.0.0.1:`adminPort`. Resolves once the admin interface answers.
 */
export async function startEnvoy(bootstrap: string, adminPort: number, options: { logLevel?: string; expect?: ExpectedTrouble; stdoutFile?: string } = {}): Promise<RunningEnvoy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-envoy-'));
  const file = path.join(dir, 'bootstrap.yaml');
  writeFileSync(file, bootstrap);
  let output = '';
  const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'a') : undefined;
  const child: ChildProcess = spawn(
    ENVOY_BIN,
    ['-c', file, '--use-dynamic-base-id', '--log-level', options.logLevel ?? 'warn', '--disable-hot-restart', '--concurrency', '1'],
    // A file for stdout when asked: Envoy cannot open /dev/stdout (access logs) on the socket a pipe to node is.
    { stdio: ['ignore', stdout ?? 'pipe', 'pipe'] },
  );
  if (stdout !== undefined) closeSync(stdout);
  const append = (b: Buffer) => {
    output += b.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited = false;
  child.on('exit', () => (exited = true));

  const admin = async (p: string) => {
    const res = await fetch(`http://127.0.0.1:${adminPort}${p}`);
    return res.text();
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`envoy exited:\n${output}`);
      return (await fetch(`http://127.0.0.1:${adminPort}/ready`)).status > 0;
    }, 'envoy admin', 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let expected: ExpectedTrouble = { ...options.expect };
  const assertNoTrouble = () => assertNoEnvoyTrouble(`envoy on admin port ${adminPort}`, admin, expected);
  return {
    adminPort,
    logs: () => output,
    admin,
    expectTrouble(e) {
      expected = { ...expected, ...e };
    },
    assertNoTrouble,
    async stat(name) {
      const text = await admin(`/stats?filter=^${name.replace(/[.]/g, '\\.')}$`);
      const m = text.match(/:\s*(\d+)\s*$/m);
      return m ? Number(m[1]) : undefined;
    },
    async stop() {
      const verdict = exited ? undefined : await assertNoTrouble().then(() => undefined, (err: unknown) => err);
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 3000);
          child.on('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      rmSync(dir, { recursive: true, force: true });
      if (verdict) throw verdict;
    },
  };
}
