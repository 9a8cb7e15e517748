// The README's local walk, step by step, with the same commands and files a newcomer uses.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvoy, type RunningEnvoy } from '../support/envoy.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { ROOT } from '../support/tools.ts';
import { get } from '../support/upstream.ts';

const run = promisify(execFile);
const KEY = 'readme-walk-admin-key-0123456789';
const children: ChildProcess[] = [];
let dataDir: string;
let api: string;
let xdsPort: number;
let envoy: RunningEnvoy | undefined;
let outbound: string;

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  children.push(child);
  return child;
}

async function apply(file: string): Promise<number> {
  const res = await fetch(`${api}/v1/meshes/demo/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/yaml' },
    body: readFileSync(path.join(ROOT, 'examples', file)),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { revision: number }).revision;
}

async function split(n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(outbound, { host: 'reviews' });
    seen[r.servedBy ?? `status-${r.status}`] = (seen[r.servedBy ?? `status-${r.status}`] ?? 0) + 1;
  }
  return seen;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-walk-'));
  const apiPort = await freePort();
  xdsPort = await freePort();
  api = `http://127.0.0.1:${apiPort}`;
  // npm start
  start(['bin/trellis-server.mjs'], { TRELLIS_DATA_DIR: dataDir, TRELLIS_API_PORT: String(apiPort), TRELLIS_XDS_PORT: String(xdsPort), TRELLIS_BOOTSTRAP_KEY: KEY, TRELLIS_LOG_LEVEL: 'warn' });
  await waitFor(async () => (await fetch(`${api}/healthz`)).ok, 'trellis to start', 30_000, 100);
  // the two versions of reviews
  start(['examples/canary/upstream.mjs', 'v1', '9081']);
  start(['examples/canary/upstream.mjs', 'v2', '9082']);
  await waitFor(async () => (await get('http://127.0.0.1:9082/')).status === 200 && (await get('http://127.0.0.1:9081/')).status === 200, 'upstreams', 10_000, 100);
}, 60_000);

afterAll(async () => {
  await envoy?.stop();
  for (const c of children) c.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the README walk', () => {
  it('creates a mesh, applies the canary, bootstraps a sidecar with trellis-agent and splits 90/10, then promotes v2', async () => {
    const mesh = await fetch(`${api}/v1/meshes/demo`, { method: 'PUT', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: '{}' });
    expect(mesh.status).toBe(201);
    await apply('canary/mesh.yaml');

    const adminPort = await freePort();
    const outboundPort = await freePort();
    outbound = `http://127.0.0.1:${outboundPort}`;
    const { stdout: bootstrap } = await run(process.execPath, [
      'bin/trellis-agent.mjs', 'bootstrap', '--mesh', 'demo', '--namespace', 'shop', '--service-account', 'web', '--workload', 'web',
      '--address', '127.0.0.1', '--port', '8000', '--admin-port', String(adminPort), '--outbound-port', String(outboundPort), '--xds', `127.0.0.1:${xdsPort}`,
    ], { cwd: ROOT });
    envoy = await startEnvoy(bootstrap, adminPort);
    await waitFor(async () => (await get(outbound, { host: 'reviews' })).status === 200, 'the sidecar to route', 20_000, 100);

    const seen = await split(200);
    expect((seen.v1 ?? 0) + (seen.v2 ?? 0)).toBe(200);
    expect(seen.v1!).toBeGreaterThan(160);

    await apply('canary-promoted/mesh.yaml');
    await waitFor(async () => (await get(outbound, { host: 'reviews' })).servedBy === 'v2' && (await split(10)).v2 === 10, 'the promotion', 10_000, 50);
    expect(await split(50)).toEqual({ v2: 50 });
  });
});
