import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryFleetStatus } from '../../core/adapters/embedded/fleet/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { FleetProxyStatus } from '../../core/fleet/index.ts';
import { PROXY_CONFIG_TYPES } from '../../core/proxies/proxy-config.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL } from '../protos/index.ts';
import { openSotw, type SotwResponseMessage, type TestStream } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { RecordedProxies, UnrecordedGroupError } from './recorded-proxies.ts';
import { str, num } from '../server/testing/struct-values.ts';

// One contract over both sources: what the replica answers from its cache (local mode) and what the
// API re-translates from the fleet records (AWS) must be equal.
const TENANT = 'default';
const MESH = 'prod';
let dir: string;
let store: ConfigStore;
let xds: RunningXds;
const fleet = new InMemoryFleetStatus();
const registry = new InMemoryWorkloadRegistry();
const streams: TestStream<SotwResponseMessage>[] = [];

const serviceEntry = (name: string, app: string): IstioResource =>
  ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: 'shop' }, spec: { hosts: [`${name}.shop.svc.cluster.local`], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', workloadSelector: { labels: { app } } } }) as IstioResource;
const route = (weightV1: number): IstioResource =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'shop' },
    spec: { hosts: ['reviews.shop.svc.cluster.local'], http: [{ route: [{ destination: { host: 'reviews.shop.svc.cluster.local', subset: 'v1' }, weight: weightV1 }, { destination: { host: 'reviews.shop.svc.cluster.local', subset: 'v2' }, weight: 100 - weightV1 }] }] },
  }) as IstioResource;
const subsets = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: 'shop' }, spec: { host: 'reviews.shop.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } } as IstioResource;

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A sidecar on a SotW stream that asks for clusters and listeners and ACKs both. */
async function connect(id: string, labels: Record<string, string>, port: number): Promise<void> {
  const stream = openSotw(xds.port);
  streams.push(stream);
  const node = { id, metadata: { fields: { TRELLIS_MESH: str(MESH), NAMESPACE: str('shop'), WORKLOAD_NAME: str(id), SERVICE_ACCOUNT: str('web'), INSTANCE_IP: str('127.0.0.1'), APP_PORT: num(port), LABELS: { structValue: { fields: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, str(v)])) } } } } };
  stream.send({ node, type_url: CLUSTER_TYPE_URL });
  const cds = await stream.next(10_000);
  stream.send({ type_url: CLUSTER_TYPE_URL, version_info: cds.version_info, response_nonce: cds.nonce });
  stream.send({ type_url: LISTENER_TYPE_URL });
  const lds = await stream.next(10_000);
  stream.send({ type_url: LISTENER_TYPE_URL, version_info: lds.version_info, response_nonce: lds.nonce });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-recorded-proxies-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: TENANT });
  await store.putMesh(TENANT, MESH, {});
  await store.commit({ tenantId: TENANT, mesh: MESH, author: 'test', changes: [serviceEntry('reviews', 'reviews'), serviceEntry('web', 'web'), subsets, route(90)].map((resource) => ({ op: 'put' as const, resource })) });
  xds = await startXds({ store, bus: new InProcessBus(), logger: pino({ level: 'silent' }), address: '127.0.0.1:0', replicaId: 'replica-1', fleetStatus: fleet, registry });
  await connect('web-1', { app: 'web' }, 9001);
  await connect('reviews-v1', { app: 'reviews', version: 'v1' }, 9081);
  await until(() => fleet.list(TENANT, MESH), (rs) => rs.length === 2 && rs.every((r) => r.metadata && r.types.cds?.state === 'SYNCED' && r.types.lds?.state === 'SYNCED'), 'both proxies reported synced with their metadata');
});

afterAll(async () => {
  for (const s of streams) s.close();
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RecordedProxies (the API apart from the replicas) against the replica itself', () => {
  const recorded = () => new RecordedProxies({ store, fleet, registry });

  it('answers proxy-config exactly as the replica does, every type, with sent and acked', async () => {
    for (const proxyId of ['web-1', 'reviews-v1']) {
      // The records follow the replica within a reporting period (a registration may push once more after both connected).
      const [local, hosted] = await until(
        async () => [await xds.controlPlane.config(TENANT, MESH, proxyId, PROXY_CONFIG_TYPES), await recorded().config(TENANT, MESH, proxyId, PROXY_CONFIG_TYPES)] as const,
        ([l, h]) => {
          try {
            expect(h).toEqual(l);
            return true;
          } catch {
            return false;
          }
        },
        `the records of ${proxyId} to match the replica`,
      ).catch(async () => [await xds.controlPlane.config(TENANT, MESH, proxyId, PROXY_CONFIG_TYPES), await recorded().config(TENANT, MESH, proxyId, PROXY_CONFIG_TYPES)] as const);
      expect(local?.types.clusters?.length).toBeGreaterThan(0);
      expect(local?.types.clusters?.every((c) => c.acked === c.version)).toBe(true);
      expect(hosted).toEqual(local);
    }
  });

  it('previews a change per proxy group exactly as the replica does', async () => {
    const after = [serviceEntry('reviews', 'reviews'), serviceEntry('web', 'web'), subsets, route(10)];
    const local = await xds.controlPlane.preview(TENANT, MESH, after);
    expect(local.proxiesAffected).toBeGreaterThan(0);
    const byGroup = (p: typeof local) => ({ ...p, groups: [...p.groups].sort((a, b) => a.group.localeCompare(b.group)) });
    expect(local.groups).toHaveLength(2);
    expect(await recorded().preview(TENANT, MESH, after)).toEqual(byGroup(local));
  });

  it('keeps the metadata out of GET /proxies, answers undefined for a proxy not connected, and refuses to guess a group it was not given', async () => {
    const listed = await new FleetProxyStatus({ fleet, store }).list(TENANT, MESH);
    expect(listed.map((p) => Object.keys(p))).not.toContainEqual(expect.arrayContaining(['metadata']));
    expect(await recorded().config(TENANT, MESH, 'nobody', ['clusters'])).toBeUndefined();
    const withoutMetadata = new InMemoryFleetStatus();
    const [record] = await fleet.list(TENANT, MESH);
    const { metadata: _metadata, ...bare } = record!;
    await withoutMetadata.put([bare]);
    await expect(new RecordedProxies({ store, fleet: withoutMetadata, registry }).config(TENANT, MESH, bare.proxyId, ['clusters'])).rejects.toThrow(UnrecordedGroupError);
  });
});
