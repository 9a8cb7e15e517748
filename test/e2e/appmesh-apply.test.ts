import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAppMesh } from '../../core/appmesh/index.ts';
import { startTestTrellis, TEST_KEY, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/appmesh');
const template = (name: string) => path.join(FIXTURES, 'templates', `${name}.cfn.yaml`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let trellis: TestTrellis;
let tmp: string;
let sidecar: TestSidecar | undefined;

/** The real `bin/trellis.mjs` in a child process, as a user would run it. */
function trellisCli(...args: string[]): Promise<Run> {
  const env = { PATH: process.env.PATH ?? '', HOME: tmp, NO_COLOR: '1', TRELLIS_CONFIG: path.join(tmp, 'trellis.yaml'), TRELLIS_URL: trellis.apiUrl, TRELLIS_API_KEY: TEST_KEY, TRELLIS_NO_REBUILD: process.env.TRELLIS_NO_REBUILD ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { cwd: tmp, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const revisions = async (mesh: string) => ((await trellis.api('GET', `/v1/meshes/${mesh}/revisions`)).json as { items: { revision: number; message?: string }[] }).items;
const meshStatus = async (mesh: string) => (await trellis.api('GET', `/v1/meshes/${mesh}`)).status;

beforeAll(async () => {
  trellis = await startTestTrellis();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'trellis-appmesh-apply-'));
}, 30_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('trellis import appmesh --apply against a local Trellis', () => {
  it('creates the missing mesh with the derived egress policy and applies every resource as exactly one revision', async () => {
    const run = await trellisCli('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--apply', '-m', 'colorapp');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^mesh\/colorapp created with \{"outboundTrafficPolicy":\{"mode":"REGISTRY_ONLY"\},"registrySources":\{"cloudMap":\{"sources":\[\{"cloudMapNamespace":"colorapp.local","service":"colorteller-red",/);
    expect(run.stdout).toMatch(/^virtualservice\/colorteller-colorapp-svc-cluster-local created$/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('revision 1');
    // No proxy is connected yet: the dry run has no per-proxy-group diff to show.
    expect(run.stdout).not.toContain('connected prox');

    const mesh = (await trellis.api('GET', '/v1/meshes/colorapp')).json as { settings: { outboundTrafficPolicy: { mode: string } } };
    expect(mesh.settings.outboundTrafficPolicy.mode).toBe('REGISTRY_ONLY');
    const history = await revisions('colorapp');
    expect(history.map((r) => r.revision)).toEqual([1]);
    expect(history[0]!.message).toBe(`import appmesh -f ${path.join(FIXTURES, 'describe')}`);
  });

  it('shows the per-proxy-group diff a connected Envoy will receive, then adds one revision', async () => {
    const docs = readdirSync(path.join(FIXTURES, 'describe')).map((f) => ({ name: f, text: readFileSync(path.join(FIXTURES, 'describe', f), 'utf8') }));
    const imported = importAppMesh(docs);
    if (!imported.ok) throw new Error(JSON.stringify(imported.errors));
    const caller = imported.value.workloads.find((w) => w.name === 'colorgateway-vn')!;
    const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
    sidecar = await startSidecar({ xdsPort, mesh: 'colorapp', namespace: caller.namespace, workload: 'colorgateway', labels: caller.labels });
    await waitFor(async () => ((await trellis.api('GET', '/v1/meshes/colorapp/proxies')).json as { items: unknown[] }).items.length === 1, 'the sidecar to connect', 15_000, 100);

    // The same mesh with the weighted route moved from 2:1:1 to 3:1:1.
    const changed = path.join(tmp, 'describe-3-1-1');
    cpSync(path.join(FIXTURES, 'describe'), changed, { recursive: true });
    const routes = path.join(changed, 'routes.json');
    writeFileSync(routes, readFileSync(routes, 'utf8').replace('{ "virtualNode": "colorteller-blue", "weight": 2 }', '{ "virtualNode": "colorteller-blue", "weight": 3 }'));
    expect(readFileSync(routes, 'utf8')).toContain('"weight": 3');

    const run = await trellisCli('import', 'appmesh', '-f', changed, '--apply', '-m', 'colorapp', '--message', 'blue to 60%');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('mesh/colorapp created');
    expect(run.stdout).toContain('1 connected proxy would change');
    expect(run.stdout).toMatch(/^\s+~ RDS outbound\|http$/m);
    expect(run.stdout).toMatch(/^\s+\+ virtual_hosts\[0\]\.routes\[\d+\]\.route\.weighted_clusters\.clusters\[0\]\.weight\.value: 60$/m);
    expect(run.stdout).toMatch(/^virtualservice\/colorteller-colorapp-svc-cluster-local configured$/m);
    expect(run.stdout).toMatch(/^destinationrule\/\S+ unchanged$/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('revision 2');
    const history = await revisions('colorapp');
    expect(history.map((r) => r.revision).sort()).toEqual([1, 2]);
    expect(history.find((r) => r.revision === 2)!.message).toBe('blue to 60%');
  });

  it('refuses a partial conversion with exit 8 and creates nothing, unless --allow-partial', async () => {
    const refused = await trellisCli('import', 'appmesh', '-f', template('partial'), '--apply', '-m', 'legacy');
    expect(refused.code).toBe(8);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('2 App Mesh resources could not be converted');
    expect(await meshStatus('legacy')).toBe(404);

    const partial = await trellisCli('import', 'appmesh', '-f', template('partial'), '--apply', '-m', 'legacy', '--allow-partial', '-o', 'json');
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stderr).toContain('not converted (--allow-partial): Route/legacy/billing-router/by-account-range');
    const outcome = JSON.parse(partial.stdout) as { mesh: string; meshCreated: boolean; applied: { revision: number; results: unknown[] } };
    expect(outcome).toMatchObject({ mesh: 'legacy', meshCreated: true, applied: { revision: 1 } });
    expect(outcome.applied.results.length).toBeGreaterThan(0);
    expect((await revisions('legacy')).map((r) => r.revision)).toEqual([1]);
  });

  it('refuses with --strict before anything reaches the mesh, needs a mesh to apply to, and one set of mesh settings', async () => {
    const strict = await trellisCli('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--apply', '-m', 'strict', '--strict');
    expect(strict.code).toBe(7);
    expect(await meshStatus('strict')).toBe(404);

    const noMesh = await trellisCli('import', 'appmesh', '-f', path.join(FIXTURES, 'describe'), '--apply');
    expect(noMesh.code).toBe(2);
    expect(noMesh.stdout).toBe('');

    // ALLOW_ALL in one App Mesh mesh, DROP_ALL in the other: one Trellis mesh cannot hold both.
    const two = await trellisCli('import', 'appmesh', '-f', template('typed-parameters'), '-f', template('gateway-routes'), '--parameter', 'VpcId=vpc-1', '--apply', '-m', 'both');
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('need different Trellis mesh settings (shop-staging: outboundTrafficPolicy.mode ALLOW_ANY, storefront: outboundTrafficPolicy.mode REGISTRY_ONLY)');
    expect(await meshStatus('both')).toBe(404);
  });

});
