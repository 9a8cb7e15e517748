import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, TEST_KEY, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { freePort, waitFor } from '../support/ports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOST = 'reviews.shop.svc.cluster.local';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let trellis: TestTrellis;
let sidecar: TestSidecar | undefined;
const registering: TestSidecar[] = [];
let tmp: string;
let env: Record<string, string>;

/** The real `bin/trellis.mjs` in a child process, as a user would run it. */
function trellisCli(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { cwd: tmp, env: { ...env, ...options.env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

const virtualService = (timeout: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${HOST}]
  http:
    - timeout: ${timeout}
      route:
        - destination: { host: ${HOST} }
`;

function writeManifests(): void {
  mkdirSync(path.join(tmp, 'manifests', 'routing'), { recursive: true });
  writeFileSync(
    path.join(tmp, 'manifests', '01-service.yaml'),
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http: 9 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: ${HOST}
`,
  );
  writeFileSync(path.join(tmp, 'manifests', 'routing', '02-vs.yaml'), virtualService('5s'));
  writeFileSync(path.join(tmp, 'vs-10s.yaml'), virtualService('10s'));
  writeFileSync(path.join(tmp, 'bad.yaml'), virtualService('5s').replace(`- destination: { host: ${HOST} }`, `- destination: { host: ${HOST} }\n          weight: -5`));
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-e2e-'));
  env = {
    PATH: process.env.PATH ?? '',
    HOME: tmp,
    TRELLIS_CONFIG: path.join(tmp, 'config', 'trellis.yaml'),
    TRELLIS_URL: trellis.apiUrl,
    TRELLIS_API_KEY: TEST_KEY,
    // The bundles the test setup built, even if a source changes during the run.
    TRELLIS_NO_REBUILD: process.env.TRELLIS_NO_REBUILD ?? '',
  };
  writeManifests();
}, 30_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await Promise.all(registering.map((s) => s.envoy.stop()));
  await trellis?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('trellis CLI against a local Trellis', () => {
  it('creates a mesh, applies a directory, reads it back and diffs a change', async () => {
    expect((await trellisCli(['mesh', 'create', 'demo'])).stdout).toBe('mesh/demo created\n');

    const apply = await trellisCli(['apply', '-f', 'manifests', '-m', 'demo']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toBe('serviceentry/reviews created\ndestinationrule/reviews created\nvirtualservice/reviews created\n');

    const get = await trellisCli(['get', 'vs', '-n', 'shop', '-o', 'json'], { env: { TRELLIS_MESH: 'demo' } });
    expect(get.code, get.stderr).toBe(0);
    const list = JSON.parse(get.stdout) as { kind: string; items: { metadata: { name: string }; spec: { http: { timeout: string }[] } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['reviews']);
    expect(list.items[0]!.spec.http[0]!.timeout).toBe('5s');

    // As kubectl diff: 1 when the files differ from the mesh.
    const diff = await trellisCli(['diff', '-f', 'vs-10s.yaml', '-m', 'demo']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toMatch(/^-\s+timeout: 5s$/m);
    expect(diff.stdout).toMatch(/^\+\s+timeout: 10s$/m);
  });

  it('applies with --wait until a real Envoy has ACKed, then shows it SYNCED in proxy-status and proxy-config', async () => {
    sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: 'shop', workload: 'productpage', labels: { app: 'productpage' } });
    await waitFor(async () => ((await trellis.api('GET', '/v1/meshes/demo/proxies')).json as { items: unknown[] }).items.length === 1, 'the sidecar to connect', 15_000, 100);

    const apply = await trellisCli(['apply', '-f', 'vs-10s.yaml', '--wait', '--timeout', '15s', '-m', 'demo']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('virtualservice/reviews configured');
    expect(apply.stdout).toContain('proxies synced 1/1');

    const status = await trellisCli(['proxy-status', '-m', 'demo']);
    expect(status.code, status.stderr).toBe(0);
    const [header, row] = status.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+NAMESPACE\s+CDS\s+LDS\s+EDS\s+RDS\s+REVISION\s+PROTOCOL\s+REGISTRATION$/);
    // No inbound port: never a registry endpoint, so nothing registered or refused.
    expect(row).toMatch(/^productpage\.shop\S*\s+shop\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+\d+\s+DELTA\s+-$/);

    const proxyId = row!.split(/\s+/)[0]!;
    const config = await trellisCli(['proxy-config', proxyId, 'clusters', '-o', 'json', '-m', 'demo']);
    expect(config.code, config.stderr).toBe(0);
    const clusters = (JSON.parse(config.stdout) as { types: { clusters: { name: string }[] } }).types.clusters;
    expect(clusters.some((c) => c.name.includes(HOST))).toBe(true);

    // With a proxy connected, diff shows what each proxy group would receive.
    const diff = await trellisCli(['diff', '-f', 'manifests/routing/02-vs.yaml', '-m', 'demo']);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain('1 connected proxy would change');
    expect(diff.stdout).toMatch(/^\s+~ RDS outbound\|http$/m);
  });

  it('shows history, rolls back to revision 1 and deletes', async () => {
    const history = await trellisCli(['history', '-m', 'demo']);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/^REVISION\s+AGE\s+AUTHOR\s+CONVERGED\s+CHANGES/);
    // Revision 2 was pushed to the connected Envoy and ACKed: its convergence time is known.
    expect(history.stdout).toMatch(/^2\s+\S+\s+key:\S+\s+\d+(\.\d+)?m?s\s+~VirtualService shop\/reviews/m);
    expect(history.stdout).toMatch(/^1\s+\S+\s+key:\S+\s+(?:-|\d\S*)\s+\+ServiceEntry shop\/reviews/m);
    expect(history.stdout).toMatch(/~VirtualService shop\/reviews/);

    const rollback = await trellisCli(['rollback', '--to', '1', '-m', 'demo']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toMatch(/^rolled back to revision 1: revision \d+/);
    const vs = JSON.parse((await trellisCli(['get', 'vs', 'reviews', '-n', 'shop', '-o', 'json', '-m', 'demo'])).stdout) as { spec: { http: { timeout: string }[] } };
    expect(vs.spec.http[0]!.timeout).toBe('5s');

    const del = await trellisCli(['delete', 'vs', 'reviews', '-n', 'shop', '-m', 'demo']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toBe('virtualservice/reviews deleted\n');
    expect((await trellisCli(['get', 'vs', 'reviews', '-n', 'shop', '-m', 'demo'])).code).toBe(4);
  });

  it('exits 3 with field paths on a validation error, 7 for analyzer findings with --strict, 4 for an unknown mesh, 1 with a hint when the server is unreachable', async () => {
    const ghost = virtualService('5s').replace('name: reviews', 'name: ghost').replaceAll(HOST, 'ghost.shop.svc.cluster.local');
    const closed = `http://127.0.0.1:${await freePort()}`;
    // Independent invocations: run them side by side to keep the suite short.
    const [invalid, analyze, clean, unknownMesh, unreachable] = await Promise.all([
      trellisCli(['apply', '-f', '-', '-m', 'demo'], { stdin: readFileSync(path.join(tmp, 'bad.yaml'), 'utf8') }),
      trellisCli(['analyze', '-f', '-', '--strict', '-m', 'demo'], { stdin: ghost }),
      trellisCli(['analyze', '-f', 'vs-10s.yaml', '--strict', '-m', 'demo']),
      trellisCli(['get', 'vs', '-m', 'nope']),
      trellisCli(['get', 'vs', '-m', 'demo'], { env: { TRELLIS_URL: closed } }),
    ]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toMatch(/^spec\.http\[0\]\.route\[0\]\.weight: .+\(<stdin>, VirtualService shop\/reviews\)$/m);

    expect(analyze.code, analyze.stderr).toBe(7);
    expect(analyze.stdout).toMatch(/^CODE\s+PATH\s+MESSAGE$/m);
    expect(analyze.stdout).toContain('spec.hosts[0]');
    expect(clean.code, clean.stdout).toBe(0);

    expect(unknownMesh.code).toBe(4);
    expect(unknownMesh.stderr).toContain('trellis mesh create nope');

    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`cannot reach ${closed}`);
    expect(unreachable.stderr).toContain('is `npm start` running? set TRELLIS_URL or `trellis context set');
  });

  it('saves a context owner-only and uses it', async () => {
    const set = await trellisCli(['context', 'set', 'local', '--server', trellis.apiUrl, '--api-key', TEST_KEY, '--mesh', 'demo'], { env: { TRELLIS_URL: '', TRELLIS_API_KEY: '' } });
    expect(set.code, set.stderr).toBe(0);
    expect(statSync(env.TRELLIS_CONFIG!).mode & 0o777).toBe(0o600);
    const meshes = await trellisCli(['mesh', 'list', '-o', 'json'], { env: { TRELLIS_URL: '', TRELLIS_API_KEY: '' } });
    expect(meshes.code, meshes.stderr).toBe(0);
    expect((JSON.parse(meshes.stdout) as { items: { name: string }[] }).items.map((m) => m.name)).toEqual(['demo']);
  });

  it('lists registered workloads as live state, and shows in proxy-status which proxies registered and why one was refused', async () => {
    const group = 'apiVersion: networking.istio.io/v1\nkind: WorkloadGroup\nmetadata: { name: cart, namespace: shop }\nspec: { metadata: { labels: { app: cart } }, template: { serviceAccount: cart } }\n';
    expect((await trellisCli(['apply', '-f', '-', '-m', 'demo'], { stdin: group })).code).toBe(0);
    const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
    registering.push(await startSidecar({ xdsPort, mesh: 'demo', namespace: 'shop', workload: 'cart', serviceAccount: 'cart', labels: { version: 'v1' }, appPort: 9, group: 'cart' }));
    registering.push(await startSidecar({ xdsPort, mesh: 'demo', namespace: 'shop', workload: 'intruder', serviceAccount: 'web', appPort: 9, group: 'cart' }));
    await waitFor(
      async () => ((await trellis.api('GET', '/v1/meshes/demo/proxies')).json as { items: { registration?: unknown }[] }).items.filter((p) => p.registration).length === 2,
      'both sidecars registered or refused',
      15_000,
      100,
    );
    // The registry write follows the registration: wait for it rather than race it.
    await waitFor(async () => ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: unknown[] }).items.length === 1, 'the cart workload in the registry', 15_000, 100);

    const [table, json, otherNamespace, missing, describe, del] = await Promise.all([
      trellisCli(['get', 'workloads', '-m', 'demo']),
      trellisCli(['get', 'wl', '-o', 'json', '-m', 'demo']),
      trellisCli(['get', 'workloads', '-n', 'web', '-m', 'demo']),
      trellisCli(['get', 'wl', 'nosuch', '-m', 'demo']),
      trellisCli(['describe', 'workloads', 'cart', '-n', 'shop', '-m', 'demo']),
      trellisCli(['delete', 'wl', 'cart', '-n', 'shop', '-m', 'demo']),
    ]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+NAMESPACE\s+GROUP\s+IDENTITY\s+ADDRESS\s+LABELS\s+LOCALITY\s+REPLICA\s+SINCE$/);
    // Plaintext local xDS: the identity is only claimed; the group fixes app=cart, the sidecar adds version.
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^cart-[0-9a-f]{10}\s+shop\s+shop\/cart\s+ns\/shop\/sa\/cart \(claimed\)\s+127\.0\.0\.1\s+app=cart,version=v1\s+-\s+\S+\s+\d+s$/)]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ items: [expect.objectContaining({ namespace: 'shop', group: 'shop/cart', serviceAccount: 'cart', source: 'proxy', labels: { app: 'cart', version: 'v1' } })] });
    expect(otherNamespace.stdout).toBe('No workloads registered in mesh demo in namespace web.\n');
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('workload "nosuch" is not registered in mesh demo');
    for (const refused of [describe, del]) {
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('workloads are live state, not config');
      expect(refused.stderr).toContain('trellis get workloads');
    }

    const status = await trellisCli(['proxy-status', '-m', 'demo']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^cart\.shop\S*\s+shop\s+.*\s+DELTA\s+registered \(group shop\/cart\)$/m);
    expect(status.stdout).toMatch(/^intruder\.shop\S*\s+shop\s+.*\s+DELTA\s+refused$/m);
    expect(status.stdout).toMatch(/^REFUSED intruder\.shop\S*: identity ns\/shop\/sa\/web is not the service account of WorkloadGroup shop\/cart \(cart\)$/m);
  });
});
