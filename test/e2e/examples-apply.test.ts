// Every directory under examples/ is a complete desired state: `trellis apply -f DIR` and `trellis analyze -f DIR --strict` succeed on it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, TEST_KEY, type TestTrellis } from '../support/local-trellis.ts';
import { ROOT } from '../support/tools.ts';

let trellis: TestTrellis;
let home: string;

function trellisCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: home, TRELLIS_CONFIG: path.join(home, 'trellis.yaml'), TRELLIS_URL: trellis.apiUrl, TRELLIS_API_KEY: TEST_KEY, TRELLIS_MESH: 'examples', TRELLIS_NO_REBUILD: process.env.TRELLIS_NO_REBUILD ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { cwd: ROOT, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const exampleDirs = readdirSync(path.join(ROOT, 'examples'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => `examples/${e.name}/`);

beforeAll(async () => {
  trellis = await startTestTrellis();
  home = mkdtempSync(path.join(os.tmpdir(), 'trellis-examples-'));
  expect((await trellis.api('PUT', '/v1/meshes/examples', {})).status).toBe(201);
});

afterAll(async () => {
  await trellis?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('examples/', () => {
  it('holds more than one example', () => {
    expect(exampleDirs).toEqual(expect.arrayContaining(['examples/canary/', 'examples/canary-promoted/']));
  });

  for (const dir of exampleDirs) {
    it(`${dir} passes analyze --strict and applies`, async () => {
      const analyze = await trellisCli(['analyze', '-f', dir, '--strict']);
      expect(analyze.code, analyze.stderr + analyze.stdout).toBe(0);
      const apply = await trellisCli(['apply', '-f', dir]);
      expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    });
  }

  it('the same object in two directories is refused, naming both files', async () => {
    const both = await trellisCli(['apply', '-f', 'examples/canary/', '-f', 'examples/canary-promoted/']);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('examples/canary/mesh.yaml#5');
    expect(both.stderr).toContain('examples/canary-promoted/mesh.yaml#5');
  });
});
