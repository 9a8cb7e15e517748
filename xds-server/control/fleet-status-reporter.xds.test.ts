import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryFleetStatus } from '../../core/adapters/embedded/fleet/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { FleetProxyStatus } from '../../core/fleet/index.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { openSotw, type SotwResponseMessage, type TestStream } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { str } from '../server/testing/struct-values.ts';

// One replica reporting through the fleet store, read back as the Lambda API reads it.
let dir: string;
let store: ConfigStore;
let xds: RunningXds;
const fleet = new InMemoryFleetStatus();
const streams: TestStream<SotwResponseMessage>[] = [];

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-fleet-status-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'default' });
  await store.putMesh('default', 'prod', {});
  await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'cart', namespace: 'shop' }, spec: { host: 'cart.shop.svc.cluster.local' } } }] });
  xds = await startXds({ store, bus: new InProcessBus(), logger: pino({ level: 'silent' }), address: '127.0.0.1:0', replicaId: 'replica-1', fleetStatus: fleet });
});

afterAll(async () => {
  for (const s of streams) s.close();
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('startXds with a fleet status store', () => {
  it('reports a connected proxy, its ACK and its disconnect to the store, as FleetProxyStatus reads them', async () => {
    const api = new FleetProxyStatus({ fleet, store });
    const revision = (await store.getMesh('default', 'prod'))!.revision;
    const stream = openSotw(xds.port);
    streams.push(stream);
    stream.send({ node: { id: 'web-1', metadata: { fields: { TRELLIS_MESH: str('prod'), NAMESPACE: str('shop'), WORKLOAD_NAME: str('web'), SERVICE_ACCOUNT: str('web') } } }, type_url: CLUSTER_TYPE_URL });
    const response = await stream.next(10_000);

    const pending = await until(() => api.list('default', 'prod'), (ps) => ps.length === 1, 'the proxy reported');
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: response.version_info, response_nonce: response.nonce });
    const synced = await until(() => api.list('default', 'prod'), (ps) => ps[0]?.types.cds?.state === 'SYNCED', 'the ACK reported');
    const converged = await api.convergence('default', 'prod', [revision]);
    const [record] = await fleet.list('default', 'prod');

    expect(pending[0]).toMatchObject({ proxyId: 'web-1', namespace: 'shop', workload: 'web', protocol: 'sotw', revision, types: { cds: { sent: response.version_info, state: 'STALE' } } });
    expect(synced[0]).toMatchObject({ proxyId: 'web-1', revision, types: { cds: { sent: response.version_info, acked: response.version_info, state: 'SYNCED' } } });
    expect(synced[0]).toMatchObject({ replica: 'replica-1' });
    expect(record).toMatchObject({ replica: 'replica-1' });
    expect(converged.get(revision)).toMatchObject({ proxies: 1, acked: 1 });
    expect(converged.get(revision)!.seconds).toBeGreaterThanOrEqual(0);

    stream.close();
    await until(() => api.list('default', 'prod'), (ps) => ps.length === 0, 'the disconnect reported');
  });
});
