import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateHttpNamespaceCommand, CreateServiceCommand, DeleteNamespaceCommand, DeleteServiceCommand, DeregisterInstanceCommand, ListNamespacesCommand, RegisterInstanceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudMapNotFoundError, ServiceDiscoveryInstances } from '../../core/adapters/aws/cloud-map/index.ts';
import { DynamoDbCloudMapLeases } from '../../core/adapters/aws/dynamodb-registry/index.ts';
import { ensureTable } from '../../core/adapters/aws/dynamodb-store/index.ts';
import { InMemoryCloudMapLeases, InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import type { CloudMapInstanceLister, CloudMapSource } from '../../core/registry/cloud-map-entries.ts';
import type { CloudMapPollOutcome } from '../../core/registry/cloud-map-source-status.ts';
import { CloudMapMetrics } from '../metrics/index.ts';
import { startMoto, type RunningMoto } from '../../test/support/moto.ts';
import { freePort } from '../../test/support/ports.ts';
import { CLOUD_MAP_REPLICA, CloudMapPoller } from './cloud-map-poller.ts';

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
    const poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(client), tenantId: 'default', mesh: 'demo', sources: [source], leases: new InMemoryCloudMapLeases(), holder: 'replica-a', onProblem: (p) => problems.push(p.skipped ?? p.error) });
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
    // The registry lists entries whose expiry is after its own clock: the poller's runs with it
    // (a clock frozen at the start would write entries already expired once a poll took over 150 ms),
    // moved ahead when the test says so.
    let ahead = 0;
    const poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(client), tenantId: 'default', mesh: 'demo', sources: [source], leases: new InMemoryCloudMapLeases(), holder: 'replica-a', periodMs: 50, now: () => new Date(Date.now() + ahead) });
    poller.start();
    await expect.poll(async () => (await registry.list('default', 'demo')).length, { timeout: 5000 }).toBeGreaterThan(0);
    ahead = 60_000;
    const movedTo = Date.now() + ahead;
    // Entries live three periods from the poll that last saw them: a poll after the move writes an expiry past it.
    await expect.poll(async () => Date.parse((await registry.list('default', 'demo'))[0]?.expiresAt ?? '1970-01-01T00:00:00Z'), { timeout: 5000 }).toBeGreaterThanOrEqual(movedTo + 150);
    await poller.stop();
    const stoppedAt = (await registry.list('default', 'demo'))[0]!.expiresAt;
    ahead = 120_000;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await registry.list('default', 'demo'))[0]!.expiresAt).toBe(stoppedAt);
  });

  it('reports a Cloud Map namespace or service that does not exist, and keeps polling the others', async () => {
    const registry = new InMemoryWorkloadRegistry();
    const errors: unknown[] = [];
    const missing: CloudMapSource = { ...source, service: 'ratings' };
    const poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(client), tenantId: 'default', mesh: 'demo', sources: [{ ...source, cloudMapNamespace: 'nope.local' }, missing, source], leases: new InMemoryCloudMapLeases(), holder: 'replica-a', onProblem: (p) => p.error && errors.push(p.error) });
    await poller.pollOnce();
    // Sources are polled side by side: the errors come in either order.
    expect(errors.map((e) => [e instanceof CloudMapNotFoundError, (e as Error).message]).sort()).toEqual([
      [true, 'Cloud Map namespace nope.local does not exist'],
      [true, 'Cloud Map service ratings does not exist in namespace shop.local'],
    ]);
    expect((await registry.list('default', 'demo')).length).toBe(2);
  });
});

/** A namespace and service of their own, with one instance: the test breaks them. */
async function brokenLater(name: string): Promise<{ source: CloudMapSource; namespaceId: string; serviceId: string }> {
  await client.send(new CreateHttpNamespaceCommand({ Name: name }));
  const namespaceId = (await client.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === name)!.Id!;
  const id = (await client.send(new CreateServiceCommand({ Name: 'ratings', NamespaceId: namespaceId }))).Service!.Id!;
  await client.send(new RegisterInstanceCommand({ ServiceId: id, InstanceId: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.2.10', AWS_INSTANCE_PORT: '9080' } }));
  return { source: { cloudMapNamespace: name, service: 'ratings', namespace: 'shop' }, namespaceId, serviceId: id };
}

describe('a Cloud Map source that breaks (moto)', () => {
  it('keeps the last known entries until they expire, and records the failures for the API and the metrics', async () => {
    let now = new Date('2026-12-05T10:00:00.000Z');
    const clock = () => now;
    const registry = new InMemoryWorkloadRegistry({ now: clock });
    const leases = new InMemoryCloudMapLeases({ now: clock });
    const metricsRegistry = new Registry();
    let cloudWatchFailures = 0;
    const metrics = new CloudMapMetrics(metricsRegistry, { failed: () => cloudWatchFailures++, now: clock });
    const mesh = { tenantId: 'default', mesh: 'demo' };
    const broken = await brokenLater('broken.local');
    const poller = new CloudMapPoller({ registry, lister: new ServiceDiscoveryInstances(client), ...mesh, sources: [broken.source], leases, holder: 'replica-a', periodMs: 30_000, now: clock, onPolled: (s, o) => metrics.polled(mesh, s, o) });
    await poller.pollOnce();
    const okAt = now.toISOString();
    expect((await registry.list('default', 'demo')).map((w) => [w.id, w.expiresAt])).toEqual([['cloud-map/broken.local/ratings/i-1', new Date(now.getTime() + 90_000).toISOString()]]);

    // The namespace goes (its instance and service first, as Cloud Map requires).
    await client.send(new DeregisterInstanceCommand({ ServiceId: broken.serviceId, InstanceId: 'i-1' }));
    await client.send(new DeleteServiceCommand({ Id: broken.serviceId }));
    await client.send(new DeleteNamespaceCommand({ Id: broken.namespaceId }));
    for (let i = 0; i < 2; i++) {
      now = new Date(now.getTime() + 30_000);
      await poller.pollOnce();
    }
    // 60 s after the last success: the entry is still served, with the expiry that success gave it.
    expect((await registry.list('default', 'demo')).map((w) => w.id)).toEqual(['cloud-map/broken.local/ratings/i-1']);
    expect(await leases.list('default', 'demo')).toEqual([
      expect.objectContaining({ holder: 'replica-a', lastSuccessAt: okAt, lastAttemptAt: now.toISOString(), lastErrorAt: now.toISOString(), lastError: 'CloudMapNotFoundError: Cloud Map namespace broken.local does not exist', consecutiveFailures: 2, instances: 1 }),
    ]);
    const text = await metricsRegistry.metrics();
    expect(text).toContain('trellis_cloud_map_source_consecutive_failures{tenant="default",mesh="demo",source="broken.local/ratings"} 2');
    expect(text).toContain('trellis_cloud_map_polls_total{tenant="default",mesh="demo",source="broken.local/ratings",result="error"} 2');
    expect(text).toContain(`trellis_cloud_map_source_last_success_timestamp_seconds{tenant="default",mesh="demo",source="broken.local/ratings"} ${Date.parse(okAt) / 1000}`);
    expect(cloudWatchFailures).toBe(2);

    // Three periods after the last success the entry has expired: the service has no endpoints left.
    now = new Date(Date.parse(okAt) + 90_001);
    await poller.pollOnce();
    expect(await registry.list('default', 'demo')).toEqual([]);
    expect((await leases.list('default', 'demo'))[0]!.consecutiveFailures).toBe(3);
    await poller.stop();
  });
});

describe('two replicas sharing the leases in DynamoDB (moto)', () => {
  const TABLE = 'trellis';
  let dynamoDb: DynamoDBClient;

  beforeAll(async () => {
    dynamoDb = new DynamoDBClient(moto.clientConfig);
    await ensureTable(dynamoDb, TABLE);
  });
  afterAll(() => dynamoDb?.destroy());

  /** The real lister, counting the polls each replica makes per service. */
  function counted(holder: string, polls: Map<string, string[]>): CloudMapInstanceLister {
    const real = new ServiceDiscoveryInstances(client);
    return {
      list: (namespace, service) => {
        polls.set(service, [...(polls.get(service) ?? []), holder]);
        return real.list(namespace, service);
      },
    };
  }

  it('has each source polled by exactly one replica, and the other takes it over when the holder stops', async () => {
    let now = new Date('2026-12-05T11:00:00.000Z');
    const clock = () => now;
    const registry = new InMemoryWorkloadRegistry({ now: clock });
    const ratings = await brokenLater('replicas.local');
    const sources = [source, ratings.source];
    const polls = new Map<string, string[]>();
    const outcomes: [string, string, boolean][] = [];
    const replica = (holder: string) =>
      new CloudMapPoller({
        registry,
        lister: counted(holder, polls),
        tenantId: 'default',
        mesh: 'replicas',
        sources,
        leases: new DynamoDbCloudMapLeases({ client: dynamoDb, tableName: TABLE, now: clock }),
        holder,
        periodMs: 30_000,
        now: clock,
        onPolled: (s: CloudMapSource, o: CloudMapPollOutcome) => outcomes.push([holder, s.service, o.ok]),
      });
    const [a, b] = [replica('replica-a'), replica('replica-b')];
    // One after the other, first one then the other: moto does not make concurrent conditional writes atomic (DynamoDB does).
    for (const order of [[a, b], [b, a], [a, b]]) {
      for (const poller of order) await poller.pollOnce();
      now = new Date(now.getTime() + 30_000);
    }
    // Each service listed once per round, always by the same replica.
    expect([...polls.values()].map((p) => p.length)).toEqual([3, 3]);
    for (const p of polls.values()) expect(new Set(p).size).toBe(1);
    expect(a.holding().length + b.holding().length).toBe(2);
    const entries = await registry.list('default', 'replicas');
    expect(entries.map((w) => [w.id, w.replica])).toEqual([
      ['cloud-map/replicas.local/ratings/i-1', CLOUD_MAP_REPLICA],
      ['cloud-map/shop.local/reviews/i-blue', CLOUD_MAP_REPLICA],
      ['cloud-map/shop.local/reviews/i-red', CLOUD_MAP_REPLICA],
    ]);

    // The replica holding the ratings source stops: it releases the lease, and the other takes the source at its next poll.
    const [holderOfRatings, other] = a.holding().some((s) => s.service === 'ratings') ? [a, b] : [b, a];
    const otherName = other === a ? 'replica-a' : 'replica-b';
    await holderOfRatings.stop();
    polls.clear();
    await client.send(new DeregisterInstanceCommand({ ServiceId: ratings.serviceId, InstanceId: 'i-1' }));
    await client.send(new RegisterInstanceCommand({ ServiceId: ratings.serviceId, InstanceId: 'i-2', Attributes: { AWS_INSTANCE_IPV4: '10.0.2.11', AWS_INSTANCE_PORT: '9080' } }));
    await other.pollOnce();
    expect([...polls.values()].flat()).toEqual([otherName, otherName]);
    expect(other.holding().map((s) => s.service).sort()).toEqual(['ratings', 'reviews']);
    // What the stopped holder put, and Cloud Map no longer has, goes at once: the new holder started from the registry.
    expect((await registry.list('default', 'replicas')).map((w) => w.id).filter((id) => id.includes('ratings'))).toEqual(['cloud-map/replicas.local/ratings/i-2']);
    await other.stop();
  });

  it('takes over from a holder that crashed, once its lease has lapsed', async () => {
    let now = new Date('2026-12-05T12:00:00.000Z');
    const clock = () => now;
    const registry = new InMemoryWorkloadRegistry({ now: clock });
    const polls = new Map<string, string[]>();
    const replica = (holder: string) =>
      new CloudMapPoller({ registry, lister: counted(holder, polls), tenantId: 'default', mesh: 'crash', sources: [source], leases: new DynamoDbCloudMapLeases({ client: dynamoDb, tableName: TABLE, now: clock }), holder, periodMs: 30_000, now: clock });
    const crashed = replica('replica-a');
    const survivor = replica('replica-b');
    await crashed.pollOnce();
    // replica-a is never polled or stopped again: it crashed.
    now = new Date(now.getTime() + 30_000);
    await survivor.pollOnce();
    expect(polls.get('reviews')).toEqual(['replica-a']);
    // The lease is two periods: at 60 s it has lapsed, and the entries (three periods) are still there.
    now = new Date(now.getTime() + 30_001);
    expect((await registry.list('default', 'crash')).length).toBe(2);
    await survivor.pollOnce();
    expect(polls.get('reviews')).toEqual(['replica-a', 'replica-b']);
    expect((await registry.list('default', 'crash')).every((w) => Date.parse(w.expiresAt) === now.getTime() + 90_000)).toBe(true);
    await survivor.stop();
  });
});

describe('a lease table that cannot be reached', () => {
  it('polls nothing while it cannot take the lease, and counts each poll as failed with the reason', async () => {
    // A real DynamoDB client at a loopback port nothing listens on: every call fails as in an outage.
    const unreachable = new DynamoDBClient({ ...moto.clientConfig, endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1 });
    let now = new Date('2026-12-05T13:00:00.000Z');
    const registry = new InMemoryWorkloadRegistry({ now: () => now });
    const listed: string[] = [];
    const outcomes: CloudMapPollOutcome[] = [];
    const poller = new CloudMapPoller({
      registry,
      lister: { list: (namespace, service) => (listed.push(service), new ServiceDiscoveryInstances(client).list(namespace, service)) },
      tenantId: 'default',
      mesh: 'outage',
      sources: [source],
      leases: new DynamoDbCloudMapLeases({ client: unreachable, tableName: 'trellis', now: () => now }),
      holder: 'replica-a',
      periodMs: 30_000,
      now: () => now,
      onPolled: (_s, o) => outcomes.push(o),
    });
    await poller.pollOnce();
    now = new Date(now.getTime() + 30_000);
    await poller.pollOnce();
    expect(listed).toEqual([]);
    expect(outcomes).toHaveLength(2);
    expect(outcomes.every((o) => !o.ok && o.error.startsWith('the lease could not be taken: '))).toBe(true);
    await poller.stop();
    unreachable.destroy();
  });
});

