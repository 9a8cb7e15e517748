import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';

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
