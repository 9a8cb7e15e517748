import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../test/support/ports.ts';
import { ROOT } from '../test/support/tools.ts';
import { logFormat } from './log-format.ts';
import { prettyLine } from './pretty-log-stream.ts';

const running: { child: ChildProcess; dir: string }[] = [];
afterEach(async () => {
  for (const { child, dir } of running.splice(0)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `npm start`'s command on free ports with a fresh data dir; `tty` runs it on a pseudo-terminal (util-linux `script`). */
function start(o: { tty: boolean; env?: Record<string, string> }): { output: () => string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-start-'));
  const env = { ...process.env, TRELLIS_DATA_DIR: dir, TRELLIS_API_PORT: '0', TRELLIS_XDS_PORT: '0', TRELLIS_BOOTSTRAP_KEY: '', TRELLIS_LOG_FORMAT: '', ...o.env };
  const server = `${JSON.stringify(process.execPath)} bin/trellis-server.mjs`;
  const child = o.tty ? spawn('script', ['-qfec', server, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] }) : spawn(process.execPath, ['bin/trellis-server.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  running.push({ child, dir });
  return { output: () => out.replace(/\r/g, ''), dir };
}

describe('npm start', () => {
  it('prints a start banner on a terminal: API, xDS, data dir, admin key, mTLS off and the plaintext warning; logs are readable lines', async () => {
    const t = start({ tty: true });
    await waitFor(() => t.output().includes('Ctrl-C stops Trellis'), 'the banner', 20_000, 50);
    const out = t.output();
    expect(out).toMatch(/Trellis \d+\.\d+\.\d+\S* is running \(local mode\)/);
    expect(out).toMatch(/ {2}API {8}http:\/\/127\.0\.0\.1:\d+ {3}\(docs: http:\/\/127\.0\.0\.1:\d+\/docs\)/);
    expect(out).toMatch(/ {2}xDS {8}127\.0\.0\.1:\d+ {3}plaintext/);
    expect(out).toContain(`  data       ${t.dir}`);
    expect(out).toContain(`  admin key  ${path.join(t.dir, 'admin-key')} (created now)`);
    expect(out).toContain('! xDS is plaintext');
    expect(out.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    expect(out).toMatch(/^\d\d:\d\d:\d\d INFO {2}created tenant "default"/m);
  });

  it('says mTLS is on, and where a chosen key comes from', async () => {
    const t = start({ tty: true, env: { TRELLIS_XDS_MTLS: 'true', TRELLIS_BOOTSTRAP_KEY: 'banner-test-key-0123456789' } });
    await waitFor(() => t.output().includes('Ctrl-C stops Trellis'), 'the banner', 20_000, 50);
    expect(t.output()).toContain('mTLS: proxies need a workload certificate');
    expect(t.output()).toContain('admin key  the one TRELLIS_BOOTSTRAP_KEY set');
    expect(t.output()).not.toContain('xDS is plaintext');
  });

  it('logs JSON lines when stdout is not a terminal, or on a terminal with TRELLIS_LOG_FORMAT=json', async () => {
    for (const t of [start({ tty: false }), start({ tty: true, env: { TRELLIS_LOG_FORMAT: 'json' } })]) {
      await waitFor(() => t.output().includes('xDS is plaintext'), 'the plaintext warning', 20_000, 50);
      const lines = t.output().trim().split('\n');
      const entries = lines.map((l) => JSON.parse(l) as { msg: string; apiUrl?: string });
      expect(entries.find((e) => e.msg === 'trellis listening')?.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(t.output()).not.toContain('Ctrl-C stops Trellis');
    }
  });
});

describe('logFormat', () => {
  it('follows TRELLIS_LOG_FORMAT, else the terminal, and refuses other values', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ TRELLIS_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ TRELLIS_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(() => logFormat({ TRELLIS_LOG_FORMAT: 'yaml' }, true)).toThrow('TRELLIS_LOG_FORMAT must be json or pretty (got "yaml")');
  });
});

describe('prettyLine', () => {
  it('shows time, level, message and the fields, and passes other text through', () => {
    expect(prettyLine('{"level":40,"time":"2026-01-02T03:04:05.678Z","service":"trellis","msg":"slow","mesh":"demo","ms":12,"why":"a b"}')).toBe('03:04:05 WARN  slow mesh=demo ms=12 why="a b"');
    expect(prettyLine('not json')).toBe('not json');
  });
});
