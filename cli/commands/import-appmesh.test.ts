import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../main.ts';

const FIXTURES = path.join(import.meta.dirname, '../../test/fixtures/appmesh');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: { NO_COLOR: '1', TRELLIS_CONFIG: '/nonexistent/config.yaml' } };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('trellis import appmesh', () => {
  it('writes a YAML stream from a directory of describe-* output, and the report to a file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'appmesh-cli-'));
    dirs.push(dir);
    const report = path.join(dir, 'report.json');
    const { code, stdout, stderr } = await run('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--report', report);
    expect(code).toBe(0);
    expect(stdout.startsWith('# App Mesh mesh "colorapp" → namespace colorapp.')).toBe(true);
    expect(parseAllDocuments(stdout).map((d) => (d.toJS() as { kind: string }).kind)).toContain('VirtualService');
    expect(stderr).toMatch(/mapped, \d+ approximated/);
    expect(JSON.parse(readFileSync(report, 'utf8')).entries.length).toBeGreaterThan(20);
  });

  it('writes a JSON list with -o json and one namespace with --namespace', async () => {
    const { code, stdout } = await run('-o', 'json', 'import', 'appmesh', '-f', path.join(FIXTURES, 'colorapp.cfn.yaml'), '--namespace', 'legacy');
    expect(code).toBe(0);
    const items = JSON.parse(stdout) as { metadata: { namespace: string } }[];
    expect(new Set(items.map((i) => i.metadata.namespace))).toEqual(new Set(['legacy']));
  });

  it('exits 3 with file:path errors for malformed input, and 7 with --strict when something has no equivalent', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'appmesh-cli-'));
    dirs.push(dir);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ virtualRouter: { meshName: 'm', virtualRouterName: 'r', spec: { listeners: [{ portMapping: { port: 0, protocol: 'http' } }] } } }));
    const invalid = await run('import', 'appmesh', '-f', bad);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain(`${bad}:virtualRouter.spec.listeners[0].portMapping.port`);
    const strict = await run('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--strict');
    expect(strict.code).toBe(7);
  });
});
