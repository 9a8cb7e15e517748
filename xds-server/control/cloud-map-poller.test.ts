import { CreateHttpNamespaceCommand, CreateServiceCommand, DeregisterInstanceCommand, ListNamespacesCommand, RegisterInstanceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudMapNotFoundError, ServiceDiscoveryInstances } from '../../core/adapters/aws/cloud-map/index.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import type { CloudMapSource } from '../../core/registry/cloud-map-entries.ts';
import { startMoto, type RunningMoto } from '../../test/support/moto.ts';
import { CloudMapPoller } from './cloud-map-poller.ts';

let moto: RunningMoto;
let client: ServiceDiscoveryClient;
let serviceId: string;

const register = (id: string, attributes: Record<string, string>) => client.send(new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: id, Attributes: attributes }));

beforeAll(async () => {
  moto = await startMoto();
  client = new ServiceDiscoveryClient(moto.clientConfig);
  await client.send(new CreateHttpNamespaceCommand({ Name: 'shop.local' }));
  const namespaceId = (await client.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === 'shop.local')!.Id!;
  serviceId = (await client.send(new CreateServiceCommand({ Name: 'reviews', NamespaceId: namespaceId }))).Service!.Id!;
  await register('i-blue', { AWS_INSTANCE_IPV4: '10.0.1.10', AWS_INSTANCE_PORT: '9080', stage: 'prod', 'not a label': 'x' });
  await register('i-green', { AWS_INSTANCE_IPV4: '10.0.1.11', AWS_INSTANCE_PORT: '9080', stage: 'canary' });
  await register('i-nowhere', { AWS_INSTANCE_PORT: '9080' });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

const source: CloudMapSource = { cloudMapNamespace: 'shop.local', service: 'reviews', namespace: 'shop', labels: { 'appmesh.trellis.dev/virtual-node': 'reviews' }, portNames: ['http'] };

describe('CloudMapPoller against Cloud Map (moto)', () => {
  it('puts each instance into the registry with its address, port and attributes as labels, and removes deregistered ones', async () => {
    const registry = new InMemoryWorkloadRegistry();
    const problems: unknown[] = [];
    const poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(client), tenantId: 'default', mesh: 'demo', sources: [source], replica: 'cloud-map-test', onProblem: (p) => problems.push(p.skipped ?? p.error) });
    await poller.pollOnce();
    const listed = await registry.list('default', 'demo');
    expect(listed.map((w) => ({ id: w.id, address: w.address, ports: w.ports, labels: w.labels, source: w.source, namespace: w.namespace }))).toEqual([
      { id: 'cloud-map/shop.local/reviews/i-blue', address: '10.0.1.10', ports: { http: 9080 }, labels: { 'cloudmap.appmesh.trellis.dev/stage': 'prod', 'cloudmap.appmesh.trellis.dev/not-a-label': 'x', 'appmesh.trellis.dev/virtual-node': 'reviews' }, source: 'cloud-map', namespace: 'shop' },
      { id: 'cloud-map/shop.local/reviews/i-green', address: '10.0.1.11', ports: { http: 9080 }, labels: { 'cloudmap.appmesh.trellis.dev/stage': 'canary', 'appmesh.trellis.dev/virtual-node': 'reviews' }, source: 'cloud-map', namespace: 'shop' },
    ]);
    expect(problems).toEqual([[{ id: 'i-nowhere', reason: 'no AWS_INSTANCE_IPV4' }]]);

    await client.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: 'i-green' }));
    await register('i-red', { AWS_INSTANCE_IPV4: '10.0.1.12', AWS_INSTANCE_PORT: '9081' });
    await poller.pollOnce();
    const after = await registry.list('default', 'demo');
    expect(after.map((w) => [w.id, w.ports])).toEqual([
      ['cloud-map/shop.local/reviews/i-blue', { http: 9080 }],
      ['cloud-map/shop.local/reviews/i-red', { http: 9081 }],
    ]);
  });

  it('refreshes on its period once started, and stops', async () => {
    const registry = new InMemoryWorkloadRegistry();
    // The registry lists entries whose expiry is after its own clock: the poller's stays near it.
    let now = new Date();
    const poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(client), tenantId: 'default', mesh: 'demo', sources: [source], replica: 'r', periodMs: 50, now: () => now });
    poller.start();
    await expect.poll(async () => (await registry.list('default', 'demo')).length, { timeout: 5000 }).toBeGreaterThan(0);
    now = new Date(now.getTime() + 60_000);
    // Entries live three periods from the poll that last saw them.
    await expect.poll(async () => (await registry.list('default', 'demo'))[0]?.expiresAt, { timeout: 5000 }).toBe(new Date(now.getTime() + 150).toISOString());
    await poller.stop();
    const stoppedAt = (await registry.list('default', 'demo'))[0]!.expiresAt;
    now = new Date(now.getTime() + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await registry.list('default', 'demo'))[0]!.expiresAt).toBe(stoppedAt);
  });

  it('reports a Cloud Map namespace or service that does not exist, and keeps polling the others', async () => {
    const registry = new InMemoryWorkloadRegistry();
    const errors: unknown[] = [];
    const missing: CloudMapSource = { ...source, service: 'ratings' };
    const poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(client), tenantId: 'default', mesh: 'demo', sources: [{ ...source, cloudMapNamespace: 'nope.local' }, missing, source], replica: 'r', onProblem: (p) => p.error && errors.push(p.error) });
    await poller.pollOnce();
    expect(errors.map((e) => [e instanceof CloudMapNotFoundError, (e as Error).message])).toEqual([
      [true, 'Cloud Map namespace nope.local does not exist'],
      [true, 'Cloud Map service ratings does not exist in namespace shop.local'],
    ]);
    expect((await registry.list('default', 'demo')).length).toBe(2);
  });
});
