import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../infra/paths.ts';

const VENV = path.join(REPO_ROOT, '.tools', 'venv');
export const MOTO_SERVER = path.join(VENV, 'bin', 'moto_server');

function run(command: string, args: string[]): void {
  const done = spawnSync(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 2, 2] });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${done.status ?? done.signal}); Python 3.10+ with venv is needed`);
}

/**
 * `moto_server` from the test tools' venv; on first use installs moto alone, pinned as
 * requirements-test.txt pins it (`npm test` later completes the venv with the other tools).
 */
export function ensureMotoServer(): string {
  if (existsSync(MOTO_SERVER)) return MOTO_SERVER;
  const pin = readFileSync(path.join(REPO_ROOT, 'requirements-test.txt'), 'utf8')
    .split('\n')
    .find((line) => line.startsWith('moto'));
  if (!pin) throw new Error('requirements-test.txt pins no moto');
  process.stderr.write(`installing ${pin.trim()} into .tools/venv (first start)\n`);
  if (!existsSync(path.join(VENV, 'bin', 'python'))) run('python3', ['-m', 'venv', VENV]);
  run(path.join(VENV, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', pin.trim()]);
  return MOTO_SERVER;
}
