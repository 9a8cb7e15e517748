import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import type { CommitRequest, ConfigStore } from '../../core/store/config-store.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { openSotw } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';

const SIDECARS = 60;
const str = (v: string) => ({ stringValue: v });
const num = (v: number) => ({ numberValue: v });

let dir: string;
let store: ConfigStore;
const bus = new InProcessBus();
/** Every commit the control plane asks for (the store itself drops no-op puts, so revisions alone would not show them). */
const registrationCommits: CommitRequest[] = [];
let xds: RunningXds;
const streams: { close(): void }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-registration-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'default' });
  await store.putMesh('default', 'prod', {});
  await store.commit({
    tenantId: 'default',
    mesh: 'prod',
    author: 'test',
    changes: [{ op: 'put', resource: { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'cart', namespace: 'shop' }, spec: { hosts: ['cart.shop.svc.cluster.local'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', workloadSelector: { labels: { app: 'cart' } } } } }],
  });
  // The real store, with its commit calls observed.
  const observed = new Proxy(store, {
    get(target, prop) {
      if (prop === 'commit') {
        return (request: CommitRequest) => {
          if (request.author === 'system:auto-registration') registrationCommits.push(request);
          return target.commit(request);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  xds = await startXds({ store: observed, bus, logger: pino({ level: 'silent' }), address: '127.0.0.1:0', registrationGraceMs: 60_000 });
});

afterAll(async () => {
  for (const s of streams) s.close();
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('auto-registration at scale', () => {
  it('registers more sidecars than one revision of any store may hold, in batches, and rewrites nothing unchanged', async () => {
    for (let i = 0; i < SIDECARS; i++) {
      const s = openSotw(xds.port);
      streams.push(s);
      const address = `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
      s.send({
        node: { id: `cart-${i}`, metadata: { fields: { TRELLIS_MESH: str('prod'), NAMESPACE: str('shop'), WORKLOAD_NAME: str('cart'), SERVICE_ACCOUNT: str('cart'), INSTANCE_IP: str(address), APP_PORT: num(8080), LABELS: { structValue: { fields: { app: str('cart') } } } } } },
        type_url: CLUSTER_TYPE_URL,
      });
      await s.next(10_000);
    }
    const deadline = Date.now() + 20_000;
    let count = 0;
    while (Date.now() < deadline) {
      count = (await store.listResources('default', 'prod', { kind: 'WorkloadEntry', limit: 1000 })).items.length;
      if (count === SIDECARS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(count).toBe(SIDECARS);
    expect(registrationCommits.every((c) => c.changes.length <= 25)).toBe(true);
    expect(registrationCommits.reduce((n, c) => n + c.changes.length, 0)).toBe(SIDECARS);

    // A config change re-checks the registrations but asks the store to write none of them again.
    registrationCommits.length = 0;
    const result = await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'cart', namespace: 'shop' }, spec: { host: 'cart.shop.svc.cluster.local' } } }] });
    await bus.publish({ tenantId: 'default', mesh: 'prod', revision: result.revision, reason: 'commit', at: new Date().toISOString() });
    const settled = Date.now() + 5_000;
    while (Date.now() < settled && (await xds.controlPlane.list('default', 'prod')).some((p) => (p.revision ?? 0) < result.revision)) await new Promise((r) => setTimeout(r, 50));
    expect((await xds.controlPlane.list('default', 'prod')).every((p) => p.revision === result.revision)).toBe(true);
    expect(registrationCommits).toEqual([]);
  });
});
