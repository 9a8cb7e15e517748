import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ShellOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Runs bash through this, e.g. `ip netns exec NAME`. */
  prefix?: string[];
}

/** A shell process in its own process group: everything it starts, `&` included, can be signalled at once. */
abstract class GroupedShell {
  protected output = '';
  protected readonly child: ChildProcess;
  protected exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  protected constructor(args: string[], o: ShellOptions) {
    const [command, ...rest] = [...(o.prefix ?? []), 'bash', ...args];
    this.child = spawn(command!, rest, { cwd: o.cwd, env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const append = (b: Buffer) => (this.output += b.toString());
    this.child.stdout!.on('data', append);
    this.child.stderr!.on('data', append);
    // 'exit', not 'close': processes the shell started with `&` keep its output pipes open.
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(void (this.exit = { code, signal }))));
  }

  get log(): string {
    return this.output;
  }

  /** Signals every process of the group (as a terminal's Ctrl-C does with SIGINT). */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // the group is already gone
    }
  }

  /** Whether any process of the group is still alive. */
  alive(): boolean {
    try {
      process.kill(-this.child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Signals the group, waits until every process in it is gone (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    this.signal(signal);
    const deadline = Date.now() + graceMs;
    while (this.alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (this.alive()) this.signal('SIGKILL');
    await this.exited;
    while (this.alive()) await new Promise((r) => setTimeout(r, 50));
  }
}

/** A long-running foreground command, as in a terminal of its own. */
export class ForegroundTerminal extends GroupedShell {
  constructor(script: string, o: ShellOptions) {
    super(['-c', script], o);
  }
}

/**
 * One interactive-like shell that runs blocks one after another, as a user pastes them into a
 * terminal: variables, `export`s and `$!` carry over; the first failing command (`set -e`,
 * `pipefail`) ends the session and fails the block.
 */
export class ShellSession extends GroupedShell {
  private blocks = 0;

  constructor(private readonly scriptDir: string, o: ShellOptions) {
    super(['--noprofile', '--norc', '-s'], o);
    this.child.stdin!.write('exec 2>&1\nset -eo pipefail\n');
  }

  /** Runs `script`; resolves with what it printed, or rejects with that output when it fails or outlasts `timeoutMs`. */
  async run(script: string, timeoutMs: number): Promise<string> {
    const n = ++this.blocks;
    const file = path.join(this.scriptDir, `block-${n}.sh`);
    writeFileSync(file, `${script}\n`);
    const marker = `__readme_block_${n}_done__`;
    const from = this.output.length;
    // stdin of the block's commands is /dev/null: none of them may read the rest of the session.
    this.child.stdin!.write(`source ${JSON.stringify(file)} </dev/null\necho ${marker}\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.output.indexOf(marker, from);
      if (at >= 0) return this.output.slice(from, at);
      if (this.exit) throw new Error(`the block failed (shell exited ${this.exit.code ?? this.exit.signal}):\n${script}\n--- output ---\n${this.output.slice(from)}`);
      if (Date.now() > deadline) throw new Error(`the block did not finish within ${timeoutMs} ms:\n${script}\n--- output ---\n${this.output.slice(from)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
