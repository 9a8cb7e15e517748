import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last lines it wrote, for error messages. */
  tail(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: a crash, with no chance to clean up. */
  kill(): Promise<void>;
}

const TAIL_CHARS = 8_000;

/**
 * A child of the hosted topology, in its own process group so Ctrl-C reaches only the parent,
 * which stops the children in order; stdout and stderr go to `logFile`; `ipc` opens a message channel.
 */
export function startChild(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; ipc?: boolean }): Child {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  const keep = (b: Buffer) => {
    log.write(b);
    tail = (tail + b.toString()).slice(-TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      log.end();
      resolve();
    });
    child.once('error', (err) => {
      keep(Buffer.from(`${name} could not start: ${err.message}\n`));
      hasExited = true;
      resolve();
    });
  });
  const signal = (sig: NodeJS.Signals) => {
    if (!hasExited) child.kill(sig);
  };
  return {
    name,
    process: child,
    tail: () => tail,
    exited: () => hasExited,
    async stop(graceMs = 10_000) {
      signal('SIGTERM');
      const killer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exit;
      clearTimeout(killer);
    },
    async kill() {
      signal('SIGKILL');
      await exit;
    },
  };
}

/** Polls `check` until it holds; fails with `what` and the child's last output when the child exits or time runs out. */
export async function waitUntil(child: Child, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited()) throw new Error(`${child.name} exited before ${what}:\n${child.tail()}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${child.tail()}`);
}
