import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, apiHarness, type ApiHarness } from '../../functions/testing/api-harness.ts';
import { runCli } from '../main.ts';

// The CLI against the real API (embedded store) on a loopback port.
const MIXED = path.join(import.meta.dirname, '../../test/fixtures/istio/bookinfo-reviews-mixed.yaml');
let h: ApiHarness;
let server: ServerType;
let url: string;
let dir: string;

beforeAll(async () => {
  h = await apiHarness();
  server = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

let mesh = 0;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-istio-'));
  mesh += 1;
  expect((await h.call('PUT', `/v1/meshes/m${mesh}`, { body: {} })).status).toBe(201);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { NO_COLOR: '1', TRELLIS_CONFIG: path.join(dir, 'config.yaml'), TRELLIS_URL: url, TRELLIS_API_KEY: ADMIN_KEY, TRELLIS_MESH: `m${mesh}` },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const stored = async (kind: string, ns: string, name: string) => (await h.call('GET', `/v1/meshes/m${mesh}/resources/${kind}/${ns}/${name}`)).status;
const dr = (name: string, ns?: string) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  host: ${name}\n`;

describe('trellis apply -n', () => {
  it('puts objects without a namespace into -n / --namespace; objects with one keep theirs', async () => {
    const file = path.join(dir, 'drs.yaml');
    writeFileSync(file, `${dr('reviews')}---\n${dr('ratings', 'shop')}`);
    expect((await run('apply', '-f', file, '-n', 'bookinfo')).code).toBe(0);
    expect(await stored('destinationrules', 'bookinfo', 'reviews')).toBe(200);
    expect(await stored('destinationrules', 'shop', 'ratings')).toBe(200);
    expect(await stored('destinationrules', 'default', 'reviews')).toBe(404);
    writeFileSync(file, dr('details'));
    expect((await run('apply', '-f', file, '--namespace', 'other')).code).toBe(0);
    expect(await stored('destinationrules', 'other', 'details')).toBe(200);
  });

  it("uses the context's namespace when -n is absent, and -n over it", async () => {
    const set = await run('context', 'set', 'lab', '--server', url, '--namespace', 'team-a');
    expect(set.code, set.stderr).toBe(0);
    expect(statSync(path.join(dir, 'config.yaml')).mode & 0o777).toBe(0o600);
    expect((parse(readFileSync(path.join(dir, 'config.yaml'), 'utf8')) as { contexts: { lab: { namespace: string } } }).contexts.lab.namespace).toBe('team-a');
    const file = path.join(dir, 'dr.yaml');
    writeFileSync(file, dr('reviews'));
    expect((await run('apply', '-f', file)).code).toBe(0);
    expect(await stored('destinationrules', 'team-a', 'reviews')).toBe(200);
    expect((await run('apply', '-f', file, '-n', 'team-b')).code).toBe(0);
    expect(await stored('destinationrules', 'team-b', 'reviews')).toBe(200);
    // Other commands follow the context too.
    const got = await run('get', 'dr', 'reviews', '-o', 'json');
    expect(JSON.parse(got.stdout)).toMatchObject({ metadata: { namespace: 'team-a', name: 'reviews' } });
    expect((await run('context', 'list')).stdout).toMatch(/NAMESPACE[\s\S]*team-a/);
  });

  it('refuses a context namespace that is not a DNS label', async () => {
    const res = await run('context', 'set', 'lab', '--server', url, '--namespace', 'Team_A');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--namespace');
  });
});

describe('trellis apply with Kubernetes objects beside Istio ones', () => {
  it('skips kinds Trellis does not manage with one line naming them, and applies the rest', async () => {
    const res = await run('apply', '-f', MIXED, '-n', 'bookinfo');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr.trim().split('\n')).toContain('skipped 3 objects Trellis does not manage: ServiceAccount/bookinfo-reviews, Service/reviews, Deployment/reviews-v1');
    expect(await stored('virtualservices', 'bookinfo', 'reviews')).toBe(200);
    expect(await stored('destinationrules', 'bookinfo', 'reviews')).toBe(200);
  });

  it('fails with --strict-kinds, naming each object and its file, and stores nothing', async () => {
    const res = await run('apply', '-f', MIXED, '-n', 'bookinfo', '--strict-kinds');
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('3 objects Trellis does not manage (--strict-kinds)');
    expect(res.stderr).toContain(`${MIXED}#3: Deployment/reviews-v1 (apps/v1) is not mesh configuration Trellis manages`);
    expect(await stored('virtualservices', 'bookinfo', 'reviews')).toBe(404);
  });

  it('does not skip an Istio kind Trellis does not serve: the API refuses it by name', async () => {
    const file = path.join(dir, 'filter.yaml');
    writeFileSync(file, `${dr('reviews')}---\napiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: lua\nspec: {}\n`);
    const res = await run('apply', '-f', file);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('WasmPlugin (extensions.istio.io/v1alpha1) is unsupported');
    expect(res.stderr).not.toContain('skipped');
    expect(await stored('destinationrules', 'default', 'reviews')).toBe(404);
  });

  it('says there is nothing to apply when every object is skipped', async () => {
    const file = path.join(dir, 'ns.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bookinfo\n');
    const res = await run('apply', '-f', file);
    expect(res).toMatchObject({ code: 0, stderr: 'skipped 1 object Trellis does not manage: Namespace/bookinfo\n' });
    expect(res.stdout).toContain('nothing to apply');
  });
});

describe('trellis analyze of a mixed file', () => {
  it('skips the Kubernetes objects as apply does and checks the rest in -n, storing nothing', async () => {
    const res = await run('analyze', '-f', MIXED, '-n', 'bookinfo', '-o', 'json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('skipped 3 objects Trellis does not manage');
    const out = JSON.parse(res.stdout) as { results: { kind: string; namespace: string; action: string }[] };
    expect(out.results.map((r) => `${r.kind} ${r.namespace} ${r.action}`)).toEqual(['DestinationRule bookinfo created', 'VirtualService bookinfo created']);
    expect(await stored('virtualservices', 'bookinfo', 'reviews')).toBe(404);
  });
});

describe('trellis get in the wrong namespace', () => {
  it('says where the object is instead of a bare not-found', async () => {
    for (const ns of ['b', 'c']) expect((await h.call('PUT', `/v1/meshes/m${mesh}/resources/destinationrules/${ns}/reviews`, { yaml: dr('reviews', ns) })).status).toBe(201);
    const res = await run('get', 'dr', 'reviews', '-n', 'a');
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('DestinationRule "reviews" not found in namespace a; found in b, c — use -n');
    const plain = await run('get', 'dr', 'nothing-like-it', '-n', 'a');
    expect(plain.code).toBe(4);
    expect(plain.stderr).not.toContain('found in');
    expect((await run('get', 'dr', 'reviews', '-n', 'b')).code).toBe(0);
  });
});
