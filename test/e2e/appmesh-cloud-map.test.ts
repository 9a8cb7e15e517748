import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateHttpNamespaceCommand, CreateServiceCommand, DeleteServiceCommand, DeregisterInstanceCommand, ListNamespacesCommand, RegisterInstanceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAppMesh, type ConversionResult } from '../../core/appmesh/index.ts';
import { startTestTrellis, TEST_KEY, type TestTrellis } from '../support/local-trellis.ts';
import { startMoto, type RunningMoto } from '../support/moto.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/appmesh/describe');
const TEMPLATES = path.join(ROOT, 'test/fixtures/appmesh/templates');
const HOST = 'colorteller.colorapp.svc.cluster.local';

let moto: RunningMoto;
let cloudMap: ServiceDiscoveryClient;
let trellis: TestTrellis;
let sidecar: TestSidecar;
let imported: ConversionResult;
let serviceId: string;
let tmp: string;
let inventoryCaller: TestSidecar | undefined;
const upstreams: Upstream[] = [];

/** The real `bin/trellis.mjs` in a child process, as a user would run it. */
function trellisCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: tmp, NO_COLOR: '1', TRELLIS_CONFIG: path.join(tmp, 'trellis.yaml'), TRELLIS_URL: trellis.apiUrl, TRELLIS_API_KEY: TEST_KEY, TRELLIS_NO_REBUILD: process.env.TRELLIS_NO_REBUILD ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { cwd: tmp, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

type Workloads = { items: { id: string; source: string; address: string; replica: string; expiresAt: string; labels: Record<string, string> }[] };
const workloads = async () => ((await trellis.api('GET', '/v1/meshes/colorapp/workloads')).json as Workloads).items;
const red = () => get(sidecar.outbound, { host: HOST, 'x-color': 'red' });
type SourceStatus = { service: string; state: string; polledBy?: string; consecutiveFailures: number; lastSuccessAt?: string; lastError?: string; instances?: number; filtered?: number };
const sourceStatusOf = async (mesh: string) => ((await trellis.api('GET', `/v1/meshes/${mesh}/registry-sources`)).json as { cloudMap: { observed: boolean; sources: SourceStatus[] } }).cloudMap;
const sourceStatus = () => sourceStatusOf('colorapp');
let settingsWithSources: Record<string, unknown>;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'trellis-appmesh-cloud-map-'));
  moto = await startMoto();
  cloudMap = new ServiceDiscoveryClient(moto.clientConfig);
  const result = importAppMesh(readdirSync(FIXTURE).sort().map((f) => ({ name: f, text: readFileSync(path.join(FIXTURE, f), 'utf8') })));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  imported = result.value;
  // colorteller-red is discovered through Cloud Map: its one instance runs here, registered in Cloud Map only.
  const [source] = imported.cloudMapSources;
  expect(source).toMatchObject({ cloudMapNamespace: 'colorapp.local', service: 'colorteller-red' });
  const upstream = await startUpstream('red-from-cloud-map');
  upstreams.push(upstream);
  await cloudMap.send(new CreateHttpNamespaceCommand({ Name: source!.cloudMapNamespace }));
  const namespaceId = (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === source!.cloudMapNamespace)!.Id!;
  serviceId = (await cloudMap.send(new CreateServiceCommand({ Name: source!.service, NamespaceId: namespaceId }))).Service!.Id!;
  await cloudMap.send(new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-1', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(upstream.port), ECS_TASK_DEFINITION_FAMILY: 'colorteller-red' } }));

  // Trellis reads Cloud Map from the emulator, as TRELLIS_CLOUD_MAP_ENDPOINT makes `npm start` do.
  trellis = await startTestTrellis({ xds: { cloudMap: { ...moto.clientConfig, periodMs: 1000, rescanIntervalMs: 1000 } } });
}, 90_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await inventoryCaller?.envoy.stop();
  await trellis?.close();
  await Promise.all(upstreams.map((u) => u.close()));
  cloudMap?.destroy();
  await moto?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('an App Mesh mesh with a Cloud Map node, applied with import appmesh --apply', () => {
  it('writes the Cloud Map source into the mesh settings, and the xds-server serves its instances to a real Envoy', async () => {
    const run = await trellisCli('import', 'appmesh', '-f', FIXTURE, '--apply', '-m', 'colorapp');
    expect(run.code, run.stderr).toBe(0);
    // The caller's sidecar connects once the mesh exists.
    const caller = imported.workloads.find((w) => w.name === 'colorgateway-vn')!;
    sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'colorapp', namespace: caller.namespace, workload: 'colorgateway', labels: caller.labels });
    const mesh = (await trellis.api('GET', '/v1/meshes/colorapp')).json as { settings: { registrySources?: { cloudMap: { sources: { cloudMapNamespace: string; service: string }[] } } } };
    expect(mesh.settings.registrySources?.cloudMap.sources).toEqual([expect.objectContaining({ cloudMapNamespace: 'colorapp.local', service: 'colorteller-red', namespace: 'colorapp' })]);

    // Nothing in this test starts a poller: the mesh settings do.
    await waitFor(async () => (await workloads()).length === 1, 'the Cloud Map instance in the registry', 15_000, 100);
    expect((await workloads())[0]).toMatchObject({ source: 'cloud-map', address: '127.0.0.1', labels: { 'appmesh.trellis.dev/virtual-node': 'colorteller-red', 'cloudmap.appmesh.trellis.dev/ECS_TASK_DEFINITION_FAMILY': 'colorteller-red' } });
    await waitFor(async () => (await red()).servedBy === 'red-from-cloud-map', 'red served by the Cloud Map instance', 20_000, 100);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 20; i++) seen.add((await red()).servedBy);
    expect([...seen]).toEqual(['red-from-cloud-map']);
  });

  it('follows Cloud Map: a second instance joins and a deregistered one leaves', async () => {
    const second = await startUpstream('red-2-from-cloud-map');
    upstreams.push(second);
    await cloudMap.send(new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-2', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(second.port), ECS_TASK_DEFINITION_FAMILY: 'colorteller-red' } }));
    await waitFor(async () => (await workloads()).length === 2, 'the second instance in the registry', 15_000, 100);
    await cloudMap.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-1' }));
    await waitFor(async () => (await workloads()).map((w) => w.id).join() === 'cloud-map/colorapp.local/colorteller-red/task-2', 'the first instance gone', 15_000, 100);
    // Envoy has the new endpoints once a batch goes to the second instance only.
    const batch = async () => new Set(await Promise.all(Array.from({ length: 10 }, async () => (await red()).servedBy)));
    await waitFor(async () => [...(await batch())].join() === 'red-2-from-cloud-map', 'red served by the second instance only', 20_000, 100);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 20; i++) seen.add((await red()).servedBy);
    expect([...seen]).toEqual(['red-2-from-cloud-map']);
  });

  it('reads through a role when the settings name one, and removes the entries when the settings drop the sources', async () => {
    const stored = (await trellis.api('GET', '/v1/meshes/colorapp')).json as { settings: { registrySources: { cloudMap: Record<string, unknown> } } };
    const withRole = { ...stored.settings, registrySources: { cloudMap: { ...stored.settings.registrySources.cloudMap, roleArn: 'arn:aws:iam::123456789012:role/trellis-cloud-map' } } };
    expect((await trellis.api('PUT', '/v1/meshes/colorapp', withRole)).status).toBe(200);
    const before = Date.parse((await workloads())[0]!.expiresAt);
    // The poller restarted with the role's credentials (assumed from the emulator's STS) and refreshed the entry, with no gap.
    await waitFor(async () => {
      const now = await workloads();
      expect(now.map((w) => w.id)).toEqual(['cloud-map/colorapp.local/colorteller-red/task-2']);
      return Date.parse(now[0]!.expiresAt) > before;
    }, 'the entry refreshed under the role', 5_000, 100);
    expect((await red()).servedBy).toBe('red-2-from-cloud-map');

    settingsWithSources = stored.settings;
    const { registrySources: _dropped, ...without } = withRole;
    expect((await trellis.api('PUT', '/v1/meshes/colorapp', without)).status).toBe(200);
    await waitFor(async () => (await workloads()).length === 0, 'Cloud Map entries removed with the sources', 10_000, 100);
  });

  it('refuses bad registry sources with the field path, leaving the settings as they were', async () => {
    const bad = await trellis.api('PUT', '/v1/meshes/colorapp', { registrySources: { cloudMap: { roleArn: 'not-an-arn', sources: [{ cloudMapNamespace: 'colorapp.local', service: 'colorteller-red', namespace: 'Not_A_Label' }] } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('registrySources.cloudMap.roleArn');
    expect(JSON.stringify(bad.json)).toContain('registrySources.cloudMap.sources[0].namespace');
  });

  it('shows how the polls go through the API, the CLI and /metrics, and keeps the endpoints of a broken source until they expire', async () => {
    expect((await trellis.api('PUT', '/v1/meshes/colorapp', settingsWithSources)).status).toBe(200);
    await waitFor(async () => (await sourceStatus()).sources[0]?.state === 'ok', 'the source polled again', 15_000, 100);
    const ok = await sourceStatus();
    expect(ok.observed).toBe(true);
    expect(ok.sources).toEqual([expect.objectContaining({ service: 'colorteller-red', state: 'ok', consecutiveFailures: 0, instances: 1, polledBy: expect.any(String) })]);
    const listed = await trellisCli('mesh', 'sources', 'colorapp');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/colorapp\.local\/colorteller-red\s+colorapp\s+ok\s+\S+\s+\d+s ago\s+0\s+1\s+-/);
    await waitFor(async () => (await red()).servedBy === 'red-2-from-cloud-map', 'red served again', 20_000, 100);

    // The Cloud Map service goes: polls fail, and the instance it last listed stays until its entry expires (three 1 s periods;
    // the status is read after the first failure, two periods before that, so a loaded machine still reads it in time).
    await cloudMap.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-2' }));
    await cloudMap.send(new DeleteServiceCommand({ Id: serviceId }));
    await waitFor(async () => (await sourceStatus()).sources[0]!.consecutiveFailures >= 1, 'a failed poll recorded', 15_000, 50);
    const failing = (await sourceStatus()).sources[0]!;
    expect(failing).toMatchObject({ state: 'failing', lastError: 'CloudMapNotFoundError: Cloud Map service colorteller-red does not exist in namespace colorapp.local', instances: 1 });
    const lastSuccess = Date.parse(failing.lastSuccessAt!);
    const shown = await trellisCli('mesh', 'sources', 'colorapp');
    expect(shown.stdout).toMatch(/colorteller-red\s+colorapp\s+failing\s+.*Cloud Map service colorteller-red does not exist/);
    const metrics = await (await fetch(`${trellis.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/trellis_cloud_map_source_consecutive_failures\{tenant="default",mesh="colorapp",source="colorapp\.local\/colorteller-red"\} [1-9]/);
    expect(metrics).toMatch(/trellis_cloud_map_polls_total\{tenant="default",mesh="colorapp",source="colorapp\.local\/colorteller-red",result="error"\} [1-9]/);
    await waitFor(async () => (await workloads()).length === 0, 'the last known instance expired', 10_000, 50);
    // Not removed by the failures: it went when its expiry, three periods after the last success, passed.
    expect(Date.now()).toBeGreaterThanOrEqual(lastSuccess + 3000);
    await waitFor(async () => (await red()).status === 503, 'red without endpoints answered 503', 20_000, 100);

    // The service comes back: the next poll succeeds and puts its instance back.
    const namespaceId = (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === 'colorapp.local')!.Id!;
    serviceId = (await cloudMap.send(new CreateServiceCommand({ Name: 'colorteller-red', NamespaceId: namespaceId }))).Service!.Id!;
    await cloudMap.send(new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-3', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(upstreams[1]!.port), ECS_TASK_DEFINITION_FAMILY: 'colorteller-red' } }));
    await waitFor(async () => (await sourceStatus()).sources[0]?.state === 'ok', 'the source ok again', 15_000, 100);
    expect((await sourceStatus()).sources[0]).toMatchObject({ consecutiveFailures: 0, instances: 1 });
    await waitFor(async () => (await red()).servedBy === 'red-2-from-cloud-map', 'red served again', 20_000, 100);
  });
});

describe('app-on-network.cfn.yaml + network.cfn.yaml: a Cloud Map node with an attribute filter, imported with --apply', () => {
  it('routes only to the Cloud Map instances whose attributes match the filter, as App Mesh does', async () => {
    const [usEast, euWest] = await Promise.all([startUpstream('stock-us-east-1'), startUpstream('stock-eu-west-1')]);
    upstreams.push(usEast, euWest);
    await cloudMap.send(new CreateHttpNamespaceCommand({ Name: 'inventory.internal' }));
    const namespaceId = (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === 'inventory.internal')!.Id!;
    const stock = (await cloudMap.send(new CreateServiceCommand({ Name: 'stock', NamespaceId: namespaceId }))).Service!.Id!;
    // The template filters on stage = ${AWS::Region}, us-east-1 by default.
    await cloudMap.send(new RegisterInstanceCommand({ ServiceId: stock, InstanceId: 'task-us', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(usEast.port), stage: 'us-east-1' } }));
    await cloudMap.send(new RegisterInstanceCommand({ ServiceId: stock, InstanceId: 'task-eu', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(euWest.port), stage: 'eu-west-1' } }));

    const run = await trellisCli('import', 'appmesh', '-f', path.join(TEMPLATES, 'app-on-network.cfn.yaml'), '-f', path.join(TEMPLATES, 'network.cfn.yaml'), '--apply', '-m', 'inventory');
    expect(run.code, run.stderr).toBe(0);
    inventoryCaller = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'inventory', namespace: 'inventory', workload: 'shop-frontend' });
    await waitFor(async () => (await sourceStatusOf('inventory')).sources[0]?.state === 'ok', 'the stock source polled', 15_000, 100);
    expect((await sourceStatusOf('inventory')).sources[0]).toMatchObject({ service: 'stock', instances: 1, filtered: 1 });
    const shown = await trellisCli('mesh', 'sources', 'inventory');
    expect(shown.stdout).toMatch(/inventory\.internal\/stock\s+inventory\s+ok\s+.*\s1 \(1 filtered\)\s/);
    const entries = ((await trellis.api('GET', '/v1/meshes/inventory/workloads')).json as Workloads).items;
    expect(entries.map((w) => w.id)).toEqual(['cloud-map/inventory.internal/stock/task-us']);

    const stockCall = () => get(inventoryCaller!.outbound, { host: 'stock.inventory.internal' });
    await waitFor(async () => (await stockCall()).servedBy === 'stock-us-east-1', 'stock served', 20_000, 100);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 30; i++) seen.add((await stockCall()).servedBy);
    expect([...seen]).toEqual(['stock-us-east-1']);
  });
});

