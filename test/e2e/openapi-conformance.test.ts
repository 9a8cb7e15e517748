// The API against its own OpenAPI document: schemathesis generates valid and invalid requests for
// every operation and fails on any 5xx, undocumented status, content type or header, a response
// that does not match its schema, or a wrong answer to a method the path does not offer.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, TEST_KEY, type TestTrellis } from '../support/local-trellis.ts';
import { SCHEMATHESIS_BIN } from '../support/tools.ts';

/** Hard limit on the whole schemathesis run; it is killed and the test fails past it. */
const HARD_LIMIT_MS = 180_000;
const MESH = 'demo';
// A fixed seed: the same requests on every run, so a failure reproduces; change it to explore others.
const SEED = '20261204';

// Most generated mesh names hit the existing mesh, so requests reach the routes' own logic.
// The coverage phase walks every constraint of a schema: on the Istio resource bodies that is tens
// of thousands of requests, so resource PUTs get the (bounded) fuzzing phase only.
const CONFIG = `
[dictionaries.meshes]
values = ["${MESH}"]

[parameters]
"path.mesh" = { dictionary = "meshes", probability = 0.7 }

[[operations]]
include-name-regex = "^PUT /v1/meshes/\\\\{mesh\\\\}/resources/"
phases.coverage.enabled = false
`;

const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'unsupported_method',
  'allow_header_conformance',
  'ignored_auth',
];

interface Run {
  code: number | null;
  output: string;
  timedOut: boolean;
}

function runSchemathesis(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCHEMATHESIS_BIN, args, { cwd, env: { ...process.env, NO_COLOR: '1', COLUMNS: '160' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, HARD_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

describe('the API conforms to its OpenAPI document', () => {
  let trellis: TestTrellis;
  let workDir: string;
  beforeAll(async () => {
    trellis = await startTestTrellis();
    expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
    workDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-schemathesis-'));
    writeFileSync(path.join(workDir, 'schemathesis.toml'), CONFIG);
  });
  afterAll(async () => {
    await trellis?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it(
    'answers generated requests to every operation without a server error or an undocumented answer',
    async () => {
      const run = await runSchemathesis(workDir, [
        '--config-file',
        path.join(workDir, 'schemathesis.toml'),
        'run',
        `${trellis.apiUrl}/openapi.json`,
        '--header',
        `Authorization: Bearer ${TEST_KEY}`,
        '--checks',
        CHECKS.join(','),
        // Deleting the mesh every other operation uses would leave them nothing but 404s to test.
        '--exclude-name',
        'DELETE /v1/meshes/{mesh}',
        '--phases',
        'examples,coverage,fuzzing',
        '--max-examples',
        '5',
        '--workers',
        '1',
        '--request-timeout',
        '10',
        '--seed',
        SEED,
        '--no-shrink',
      ]);

      expect(run.timedOut, `schemathesis ran past ${HARD_LIMIT_MS / 1000} s:\n${run.output.slice(-4000)}`).toBe(false);
      const [, selected, total] = /Selected: (\d+)\/(\d+)/.exec(run.output) ?? [];
      expect(Number(total), 'operations in /openapi.json').toBeGreaterThan(50);
      expect(Number(selected), 'all but the one excluded').toBe(Number(total) - 1);
      expect(run.output).toContain(`Tested: ${selected}\n`);
      expect(run.code, run.output.slice(run.output.indexOf('FAILURES') >= 0 ? run.output.indexOf('FAILURES') - 40 : -6000)).toBe(0);
    },
    HARD_LIMIT_MS + 30_000,
  );
});
