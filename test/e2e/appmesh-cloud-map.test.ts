import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateHttpNamespaceCommand, CreateServiceCommand, ListNamespacesCommand, RegisterInstanceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceDiscoveryInstances } from '../../core/adapters/aws/cloud-map/index.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import { importAppMesh, type ConversionResult } from '../../core/appmesh/index.ts';
import type { IstioResource } from '../../core/resources/index.ts';
import { CloudMapPoller } from '../../xds-server/control/cloud-map-poller.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startMoto, type RunningMoto } from '../support/moto.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const FIXTURE = path.join(import.meta.dirname, '../fixtures/appmesh/describe');
const HOST = 'colorteller.colorapp.svc.cluster.local';

let moto: RunningMoto;
let cloudMap: ServiceDiscoveryClient;
let trellis: TestTrellis;
let sidecar: TestSidecar;
let poller: CloudMapPoller;
let imported: ConversionResult;
const upstreams: Upstream[] = [];

beforeAll(async () => {
  moto = await startMoto();
  cloudMap = new ServiceDiscoveryClient(moto.clientConfig);
  const result = importAppMesh(readdirSync(FIXTURE).sort().map((f) => ({ name: f, text: readFileSync(path.join(FIXTURE, f), 'utf8') })));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  imported = result.value;
  // colorteller-red is discovered through Cloud Map: its one instance runs here, registered in Cloud Map only.
  const [source] = imported.cloudMapSources;
  expect(source).toMatchObject({ cloudMapNamespace: 'colorapp.local', service: 'colorteller-red' });
  const red = await startUpstream('red-from-cloud-map');
  upstreams.push(red);
  await cloudMap.send(new CreateHttpNamespaceCommand({ Name: source!.cloudMapNamespace }));
  const namespaceId = (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === source!.cloudMapNamespace)!.Id!;
  const serviceId = (await cloudMap.send(new CreateServiceCommand({ Name: source!.service, NamespaceId: namespaceId }))).Service!.Id!;
  await cloudMap.send(new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'task-1', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(red.port), ECS_TASK_DEFINITION_FAMILY: 'colorteller-red' } }));

  const registry = new InMemoryWorkloadRegistry();
  trellis = await startTestTrellis({ xds: { registry } });
  // The DNS-discovered nodes answer locally through WorkloadEntries; red has none: only Cloud Map knows it.
  const others = await Promise.all(
    ['blue', 'green'].map(async (color) => {
      const upstream = await startUpstream(color);
      upstreams.push(upstream);
      const hint = imported.workloads.find((w) => w.name === `colorteller-${color}`)!;
      return { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: `colorteller-${color}`, namespace: hint.namespace }, spec: { address: '127.0.0.1', labels: hint.labels, ports: Object.fromEntries(Object.keys(hint.ports).map((p) => [p, upstream.port])) } } as IstioResource;
    }),
  );
  expect((await trellis.api('PUT', '/v1/meshes/colorapp', imported.meshSettings.colorapp!.settings)).status).toBe(201);
  const applied = await trellis.api('POST', '/v1/meshes/colorapp/apply', [...imported.resources.filter((r) => r.kind !== 'WorkloadEntry'), ...others]);
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);

  poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(cloudMap), tenantId: 'default', mesh: 'colorapp', sources: imported.cloudMapSources, replica: 'cloud-map', periodMs: 500 });
  poller.start();
  const caller = imported.workloads.find((w) => w.name === 'colorgateway-vn')!;
  sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'colorapp', namespace: caller.namespace, workload: 'colorgateway', labels: caller.labels });
}, 90_000);

afterAll(async () => {
  await poller?.stop();
  await sidecar?.envoy.stop();
  await trellis?.close();
  await Promise.all(upstreams.map((u) => u.close()));
  cloudMap?.destroy();
  await moto?.stop();
});

describe('an App Mesh node discovered through Cloud Map, served from the workload registry', () => {
  it('lists the Cloud Map instance as a workload and routes x-color: red to it on a real Envoy', async () => {
    await waitFor(async () => ((await trellis.api('GET', '/v1/meshes/colorapp/workloads')).json as { items: unknown[] }).items.length === 1, 'the Cloud Map instance in the registry', 10_000, 100);
    const listed = (await trellis.api('GET', '/v1/meshes/colorapp/workloads')).json as { items: { source: string; address: string; labels: Record<string, string> }[] };
    expect(listed.items[0]).toMatchObject({ source: 'cloud-map', address: '127.0.0.1', labels: { 'appmesh.trellis.dev/virtual-node': 'colorteller-red', 'cloudmap.appmesh.trellis.dev/ECS_TASK_DEFINITION_FAMILY': 'colorteller-red' } });
    await waitFor(async () => (await get(sidecar.outbound, { host: HOST, 'x-color': 'red' })).servedBy === 'red-from-cloud-map', 'red served by the Cloud Map instance', 20_000, 100);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 20; i++) seen.add((await get(sidecar.outbound, { host: HOST, 'x-color': 'red' })).servedBy);
    expect([...seen]).toEqual(['red-from-cloud-map']);
  });
});
