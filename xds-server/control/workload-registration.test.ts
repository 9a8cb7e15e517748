import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import type { RegisteredWorkload, WorkloadRegistry } from '../../core/registry/index.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { openSotw, type SotwResponseMessage, type TestStream } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { str, num, labels } from '../server/testing/struct-values.ts';

const SIDECARS = 60;

let dir: string;
let store: ConfigStore;
const bus = new InProcessBus();
/** The real in-memory registry, with its writes counted. */
const writes = { put: 0, entries: 0, remove: 0 };
let registry: WorkloadRegistry;
let xds: RunningXds;
const streams: TestStream<SotwResponseMessage>[] = [];

const serviceEntry = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry' as const, metadata: { name: 'cart', namespace: 'shop' }, spec: { hosts: ['cart.shop.svc.cluster.local'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', workloadSelector: { labels: { app: 'cart' } } } };
const workloadGroup = { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup' as const, metadata: { name: 'cart', namespace: 'shop' }, spec: { metadata: { labels: { app: 'cart' } }, template: { serviceAccount: 'cart' } } };

function connect(nodeId: string, address: string, meta: Record<string, unknown>): Promise<SotwResponseMessage> {
  const s = openSotw(xds.port);
  streams.push(s);
  s.send({
    node: { id: nodeId, metadata: { fields: { TRELLIS_MESH: str('prod'), NAMESPACE: str('shop'), WORKLOAD_NAME: str('cart'), SERVICE_ACCOUNT: str('cart'), INSTANCE_IP: str(address), APP_PORT: num(8080), LABELS: labels({ app: 'cart' }), ...meta } } },
    type_url: CLUSTER_TYPE_URL,
  });
  return s.next(10_000);
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-registration-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'default' });
  await store.putMesh('default', 'prod', {});
  await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: serviceEntry }, { op: 'put', resource: workloadGroup }] });
  const inner = new InMemoryWorkloadRegistry();
  registry = {
    put: (entries: readonly RegisteredWorkload[]) => ((writes.put++, (writes.entries += entries.length)), inner.put(entries)),
    remove: (tenantId, mesh, ids, replica) => (writes.remove++, inner.remove(tenantId, mesh, ids, replica)),
    list: (tenantId, mesh) => inner.list(tenantId, mesh),
    removeMesh: (tenantId, mesh) => inner.removeMesh(tenantId, mesh),
    close: () => inner.close(),
  };
  xds = await startXds({ store, bus, registry, logger: pino({ level: 'silent' }), address: '127.0.0.1:0', registrationGraceMs: 200, registrationTtlMs: 60_000 });
});

afterAll(async () => {
  for (const s of streams) s.close();
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('workload registration: live state in the registry, never config', () => {
  it('registers every connected sidecar with one registry write each, and no config revision', async () => {
    const revisionBefore = (await store.getMesh('default', 'prod'))!.revision;
    for (let i = 0; i < SIDECARS; i++) await connect(`cart-${i}`, `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, {});
    const listed = await until(() => registry.list('default', 'prod'), (l) => l.length === SIDECARS, `${SIDECARS} registered workloads`);
    expect(listed.every((w) => w.namespace === 'shop' && w.serviceAccount === 'cart' && w.labels['app'] === 'cart' && w.inboundPort === 15006 && w.source === 'proxy')).toBe(true);
    expect(writes).toMatchObject({ put: SIDECARS, entries: SIDECARS, remove: 0 });
    expect((await store.getMesh('default', 'prod'))!.revision).toBe(revisionBefore);

    // A config change re-admits the held workloads but writes none of them again.
    writes.put = 0;
    const result = await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'cart', namespace: 'shop' }, spec: { host: 'cart.shop.svc.cluster.local' } } }] });
    await bus.publish({ tenantId: 'default', mesh: 'prod', revision: result.revision, reason: 'commit', at: new Date().toISOString() });
    await until(() => xds.controlPlane.list('default', 'prod'), (ps) => ps.every((p) => p.revision === result.revision), 'every proxy at the new revision');
    expect(writes.put).toBe(0);
  });

  it('a sidecar naming a WorkloadGroup gets the group’s labels, not its own claims; a mismatched identity is refused and shown in proxy status', async () => {
    await connect('grouped', '127.2.0.1', { AUTO_REGISTER_GROUP: str('cart'), LABELS: labels({ app: 'payments', version: 'v2' }) });
    await connect('intruder', '127.2.0.2', { AUTO_REGISTER_GROUP: str('cart'), SERVICE_ACCOUNT: str('web') });
    const listed = await until(() => registry.list('default', 'prod'), (l) => l.some((w) => w.address === '127.2.0.1'), 'the grouped workload');
    expect(listed.find((w) => w.address === '127.2.0.1')).toMatchObject({ group: 'shop/cart', labels: { app: 'cart', version: 'v2' } });
    expect(listed.some((w) => w.address === '127.2.0.2')).toBe(false);
    const status = await xds.controlPlane.list('default', 'prod');
    expect(status.find((p) => p.proxyId === 'grouped')?.registration).toEqual({ state: 'registered', group: 'shop/cart' });
    expect(status.find((p) => p.proxyId === 'intruder')?.registration).toEqual({ state: 'refused', reason: 'identity ns/shop/sa/web is not the service account of WorkloadGroup shop/cart (cart)' });
  });

  it('removes a workload with one write once its last stream has been gone for the grace period', async () => {
    writes.remove = 0;
    const before = (await registry.list('default', 'prod')).length;
    streams.shift()!.close();
    await until(() => registry.list('default', 'prod'), (l) => l.length === before - 1, 'the disconnected workload removed');
    expect(writes.remove).toBe(1);
  });
});
