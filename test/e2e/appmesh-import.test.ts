import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAppMesh, type ConversionResult } from '../../core/appmesh/index.ts';
import type { IstioResource } from '../../core/resources/index.ts';
import { activeConfig } from '../support/config-dump.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { binomialBounds } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const FIXTURE = path.join(import.meta.dirname, '../fixtures/appmesh/describe');
const UNDERSCORE_TEMPLATE = path.join(import.meta.dirname, '../fixtures/appmesh/templates/underscore-names.cfn.yaml');
const HOST = 'colorteller.colorapp.svc.cluster.local';
const COLORS = ['blue', 'green', 'red'] as const;

let trellis: TestTrellis;
let sidecar: TestSidecar;
let imported: ConversionResult;
const upstreams: Partial<Record<(typeof COLORS)[number], Upstream>> = {};

/**
 * The imported resources, with the WorkloadEntries that pointed at App Mesh's DNS names replaced by the
 * local upstreams, registered with the labels the importer names for each virtual node.
 */
function resourcesForLocalWorkloads(): IstioResource[] {
  const local = COLORS.map((color) => {
    const hint = imported.workloads.find((w) => w.name === `colorteller-${color}`)!;
    const ports = Object.fromEntries(Object.keys(hint.ports).map((name) => [name, upstreams[color]!.port]));
    return { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: `colorteller-${color}`, namespace: hint.namespace }, spec: { address: '127.0.0.1', labels: hint.labels, ports } } as IstioResource;
  });
  return [...imported.resources.filter((r) => r.kind !== 'WorkloadEntry'), ...local];
}

async function counts(n: number, headers: Record<string, string> = {}, pathAndQuery = '/'): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(`${sidecar.outbound}${pathAndQuery}`, { host: HOST, ...headers });
    const key = r.status === 200 ? (r.servedBy ?? '?') : `status-${r.status}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

beforeAll(async () => {
  // Import the describe-* output of the colorapp mesh, as `trellis import appmesh -f DIR` does.
  const docs = readdirSync(FIXTURE).sort().map((f) => ({ name: f, text: readFileSync(path.join(FIXTURE, f), 'utf8') }));
  const result = importAppMesh(docs);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  imported = result.value;

  trellis = await startTestTrellis();
  for (const color of COLORS) upstreams[color] = await startUpstream(color);
  const settings = imported.meshSettings.colorapp!.settings;
  expect((await trellis.api('PUT', '/v1/meshes/colorapp', settings)).status).toBe(201);
  const applied = await trellis.api('POST', '/v1/meshes/colorapp/apply', resourcesForLocalWorkloads());
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);

  // The caller is the colorgateway virtual node: its Sidecar scope lets it reach only its backend.
  const gatewayNode = imported.workloads.find((w) => w.name === 'colorgateway-vn')!;
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  sidecar = await startSidecar({ xdsPort, mesh: 'colorapp', namespace: gatewayNode.namespace, workload: 'colorgateway', labels: gatewayNode.labels });
  await waitFor(async () => (await get(sidecar.outbound, { host: HOST })).status === 200, 'the imported routes on the sidecar', 20_000, 100);
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
});

describe('an App Mesh import applied to Trellis and served by a real Envoy', () => {
  it('splits traffic 2:1:1 across blue, green and red as the weighted route said', async () => {
    const n = 600;
    const seen = await counts(n);
    expect((seen.blue ?? 0) + (seen.green ?? 0) + (seen.red ?? 0), JSON.stringify(seen)).toBe(n);
    const blue = binomialBounds(n, 0.5);
    const quarter = binomialBounds(n, 0.25);
    expect(seen.blue!).toBeGreaterThanOrEqual(blue.low);
    expect(seen.blue!).toBeLessThanOrEqual(blue.high);
    for (const color of ['green', 'red'] as const) {
      expect(seen[color]!).toBeGreaterThanOrEqual(quarter.low);
      expect(seen[color]!).toBeLessThanOrEqual(quarter.high);
    }
  });

  it('sends x-color: red to red only, ahead of the weighted route (priority 10 < 20)', async () => {
    expect(await counts(30, { 'x-color': 'red' })).toEqual({ red: 30 });
  });

  it('sends GET /debug?verbose=1 to green (priority 5), and /debug without the query by weight', async () => {
    expect(await counts(20, {}, '/debug?verbose=1')).toEqual({ green: 20 });
    expect(Object.keys(await counts(40, {}, '/debug')).length).toBeGreaterThan(1);
  });

  it("turns the upstreams' 503s into 200s with the route's retry policy", async () => {
    const before = COLORS.reduce((sum, c) => sum + upstreams[c]!.received.length, 0);
    for (const color of COLORS) upstreams[color]!.behave({ failEvery: 2 });
    try {
      const seen = await counts(60);
      expect(Object.keys(seen).filter((k) => k.startsWith('status-')), JSON.stringify(seen)).toEqual([]);
      // Every other answer upstream was a 503: the 60 successes took more than 60 attempts.
      const attempts = COLORS.reduce((sum, c) => sum + upstreams[c]!.received.length, 0) - before;
      expect(attempts).toBeGreaterThan(75);
    } finally {
      for (const color of COLORS) upstreams[color]!.behave({ failEvery: 0 });
    }
  });

  it('keeps the caller inside its backends: an unknown host is refused under DROP_ALL (REGISTRY_ONLY)', async () => {
    const r = await get(sidecar.outbound, { host: 'example.com' });
    expect(r.status).toBe(404);
  });

  it("limits the blue node's own proxy-to-app hop with its listener connection pool, as App Mesh did", async () => {
    const blue = imported.workloads.find((w) => w.name === 'colorteller-blue')!;
    const appPort = upstreams.blue!.port;
    const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
    const node = await startSidecar({ xdsPort, mesh: 'colorapp', namespace: blue.namespace, workload: 'colorteller-blue', labels: blue.labels, appPort });
    try {
      let cluster: Record<string, unknown> | undefined;
      await waitFor(async () => (cluster = (await activeConfig(node.envoy)).clusters.get(`inbound|${appPort}||`)) !== undefined, "the blue node's app cluster", 20_000, 100);
      expect(cluster!['circuit_breakers']).toMatchObject({ thresholds: [{ max_connections: 100, max_pending_requests: 50 }] });
      // The callers' cluster for blue carries no connection limit: App Mesh counted the node's connections, not each caller's.
      const callers = await activeConfig(sidecar.envoy);
      const toBlue = [...callers.clusters.entries()].find(([name]) => name.includes('|colorteller-blue|'));
      expect(toBlue, [...callers.clusters.keys()].join(', ')).toBeDefined();
      expect(toBlue![1]['circuit_breakers']).toBeUndefined();
      await node.envoy.assertNoTrouble();
    } finally {
      await node.envoy.stop();
    }
  });
});

describe('an App Mesh service whose host has "_" (color_server.demo.local), imported from a template', () => {
  let client: TestSidecar;
  const servers: Upstream[] = [];

  beforeAll(async () => {
    const result = importAppMesh([{ name: 'underscore-names.cfn.yaml', text: readFileSync(UNDERSCORE_TEMPLATE, 'utf8') }]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const { value } = result;
    expect(value.report.notConverted()).toEqual([]);
    const namespace = value.meshSettings.color_mesh!.namespace;
    // Both server nodes (color_server and color-server) answer locally, registered with the labels the import names.
    const local = await Promise.all(
      ['color_server', 'color-server'].map(async (node) => {
        const upstream = await startUpstream(node);
        servers.push(upstream);
        const hint = value.workloads.find((w) => w.name === node)!;
        const ports = Object.fromEntries(Object.keys(hint.ports).map((name) => [name, upstream.port]));
        return { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: hint.labels['appmesh.trellis.dev/virtual-node']!, namespace }, spec: { address: '127.0.0.1', labels: hint.labels, ports } } as IstioResource;
      }),
    );
    expect((await trellis.api('PUT', `/v1/meshes/${namespace}`, value.meshSettings.color_mesh!.settings)).status).toBe(201);
    const applied = await trellis.api('POST', `/v1/meshes/${namespace}/apply`, [...value.resources.filter((r) => r.kind !== 'WorkloadEntry'), ...local]);
    expect(applied.status, JSON.stringify(applied.json)).toBe(200);
    const caller = value.workloads.find((w) => w.name === 'color_client')!;
    const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
    client = await startSidecar({ xdsPort, mesh: namespace, namespace, workload: 'color-client', labels: caller.labels });
    await waitFor(async () => (await get(client.outbound, { host: 'color_server.demo.local' })).status === 200, 'the color_server.demo.local route on the sidecar', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await client?.envoy.stop();
    await Promise.all(servers.map((u) => u.close()));
  });

  it('is reached by the host the apps call, split 90/10 across the renamed nodes', async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const r = await get(client.outbound, { host: 'color_server.demo.local' });
      const key = r.status === 200 ? (r.servedBy ?? '?') : `status-${r.status}`;
      seen[key] = (seen[key] ?? 0) + 1;
    }
    expect(Object.keys(seen).sort(), JSON.stringify(seen)).toEqual(['color-server', 'color_server']);
    const bounds = binomialBounds(200, 0.9);
    expect(seen.color_server!).toBeGreaterThanOrEqual(bounds.low);
    expect(seen.color_server!).toBeLessThanOrEqual(bounds.high);
  });
});
