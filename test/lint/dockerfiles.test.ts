import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HADOLINT_BIN, ROOT } from '../support/tools.ts';

interface Finding {
  code: string;
  level: 'error' | 'warning' | 'info' | 'style';
  line: number;
  message: string;
}

const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.tools', 'dist', 'cdk.out', '.trellis', '.scratch']);

/** Every Dockerfile of the repository (`Dockerfile`, `*.Dockerfile`, `Dockerfile.*`). */
function dockerfiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : dockerfiles(path.join(dir, entry.name));
    return /(^|\.)Dockerfile($|\.)/.test(entry.name) ? [path.relative(ROOT, path.join(dir, entry.name))] : [];
  });
}

/** hadolint's findings for a Dockerfile (a path, or `-` with the text on stdin). */
function hadolint(file: string, input?: string): Finding[] {
  const out = execFileSync(HADOLINT_BIN, ['--no-fail', '--no-color', '--format', 'json', file], { cwd: ROOT, encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  return JSON.parse(out) as Finding[];
}

const serious = (findings: Finding[]) => findings.filter((f) => f.level === 'error' || f.level === 'warning').map((f) => `${f.line}: ${f.code} ${f.message}`);

describe('Dockerfiles (hadolint)', () => {
  it('finds the images the project builds', () => {
    expect(dockerfiles()).toEqual(expect.arrayContaining(['sidecar/Dockerfile', 'xds-server/Dockerfile']));
  });

  it.each(dockerfiles())('%s has no hadolint warning or error', (file) => {
    expect(serious(hadolint(file))).toEqual([]);
  });

  it('reports an unpinned base image and unpinned packages as warnings', () => {
    const findings = serious(hadolint('-', 'FROM node\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n'));
    expect(findings.join('\n')).toMatch(/DL3006/);
    expect(findings.join('\n')).toMatch(/DL3008/);
  });
});
