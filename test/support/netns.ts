import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { assertNoEnvoyTrouble } from './envoy-counters.ts';
import { waitFor } from './ports.ts';
import { ENVOY_BIN } from './tools.ts';

/** Runs a command to completion and returns its stdout; throws with its stderr when it fails. */
export function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** `ip netns exec` as an async child (curl, an admin request): its exit code and output, never a throw. */
export function inNs(ns: string, args: string[], timeoutMs = 10_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, ...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A long-running process in a namespace, with its last output kept for failure messages. */
export function startInNs(ns: string, args: string[]): { child: ChildProcess; logs: () => string } {
  let out = '';
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (b: Buffer) => (out = (out + b.toString()).slice(-50_000));
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { child, logs: () => out };
}

/** A real Envoy in a namespace, run as the proxy UID (its own connections are not redirected), ready on admin port 15000. */
export async function startEnvoyInNs(ns: string, uid: number, envoyArgs: string[]): Promise<{ child: ChildProcess; logs: () => string }> {
  const envoy = startInNs(ns, ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ENVOY_BIN, ...envoyArgs, '--use-dynamic-base-id', '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn']);
  try {
    await waitFor(async () => {
      if (envoy.child.exitCode !== null) throw new Error(`envoy exited:\n${envoy.logs()}`);
      return (await inNs(ns, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', 'http://127.0.0.1:15000/ready'])).stdout === '200';
    }, 'envoy ready', 30_000, 200);
  } catch (err) {
    envoy.child.kill('SIGKILL');
    throw err;
  }
  return envoy;
}

/** Envoy's trouble counters (stalls, rejections, failed updates) read through curl in the namespace; throws on any. */
export function assertNoEnvoyTroubleInNs(ns: string): Promise<void> {
  return assertNoEnvoyTrouble(`envoy in ${ns}`, async (p) => (await inNs(ns, ['curl', '-s', '--max-time', '5', `http://127.0.0.1:15000${p}`])).stdout);
}

/** Stops processes newest first (SIGTERM, SIGKILL after 3 s), then deletes the namespaces. */
export async function stopAndRemove(processes: { child: ChildProcess }[], namespaces: string[]): Promise<void> {
  for (const p of [...processes].reverse()) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    p.child.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        p.child.kill('SIGKILL');
        resolve();
      }, 3000);
      p.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
}
