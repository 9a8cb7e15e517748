import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import type { RegisteredWorkload, WorkloadRegistry } from '../../core/registry/index.ts';
import type { NodeMessage } from '../server/messages.ts';
import { describeNode, type ConnectingProxy } from './node-identity.ts';
import { WorkloadRegistrar } from './workload-registrar.ts';
import type { IstioResource } from '../../core/resources/index.ts';
import type * as AdmissionModule from './workload-admission.ts';

// Admission itself is real; the test counts how often the registrar asks for it.
const admissions = vi.hoisted(() => ({ count: 0 }));
vi.mock('./workload-admission.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof AdmissionModule>();
  return { ...actual, admitWorkload: (...args: Parameters<typeof actual.admitWorkload>) => (admissions.count++, actual.admitWorkload(...args)) };
});

// Registrations queued in one turn are written together and announced once per mesh. The registrar's heartbeat rewrites the entries of every stream it holds before they expire. It
// writes them a batch at a time with a turn of the event loop between batches (validating a
// replica's thousand entries at once held the loop for 50 ms each beat), and never writes back an
// entry that was removed while the beat was under way.

function proxy(i: number, mesh = 'prod', group?: string): ConnectingProxy {
  const described = describeNode({
    id: `cart-${i}`,
    cluster: '',
    userAgent: 'envoy',
    metadata: { ...(group ? { AUTO_REGISTER_GROUP: group } : {}), TRELLIS_MESH: mesh, NAMESPACE: 'shop', WORKLOAD_NAME: 'cart', SERVICE_ACCOUNT: 'cart', INSTANCE_IP: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, APP_PORT: 8080, LABELS: { app: 'cart' } },
    raw: {} as NodeMessage,
  });
  if (!described.ok) throw new Error(JSON.stringify(described.errors));
  return described.value;
}

const until = async (done: () => boolean | Promise<boolean>, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

let registrar: WorkloadRegistrar | undefined;
afterEach(() => registrar?.stop());

describe('WorkloadRegistrar registrations', () => {
  it("writes one turn's registrations together, at most 100 per registry call, and announces each mesh once for them", async () => {
    const inner = new InMemoryWorkloadRegistry();
    const calls: string[] = [];
    const registry: WorkloadRegistry = {
      put: (entries: readonly RegisteredWorkload[]) => (calls.push(`put ${entries.length}`), inner.put(entries)),
      remove: (t, m, ids, r) => (calls.push(`remove ${ids.join(',')}`), inner.remove(t, m, ids, r)),
      list: (t, m) => inner.list(t, m),
      removeMesh: (t, m) => inner.removeMesh(t, m),
      close: () => inner.close(),
    };
    const announced: string[] = [];
    registrar = new WorkloadRegistrar({ registry, replica: 'r1', logger: pino({ level: 'silent' }), now: () => new Date(), ttlMs: 600_000, graceMs: 60_000, announce: async (_t, mesh) => void announced.push(mesh) });
    // A reconnect storm's turn: 230 sidecars of prod and 20 of dev.
    for (let i = 0; i < 250; i++) registrar.connect(`cart-${i}`, `cart-${i}`, proxy(i, i < 230 ? 'prod' : 'dev'), []);
    await until(() => announced.length >= 2, 'the announcements');
    expect(calls).toEqual(['put 100', 'put 100', 'put 50']);
    expect(announced.sort()).toEqual(['dev', 'prod']);
    expect(await inner.list('default', 'prod')).toHaveLength(230);
    expect(await inner.list('default', 'dev')).toHaveLength(20);
  });
});

describe('WorkloadRegistrar re-admission', () => {
  it('admits held workloads again only when the WorkloadGroups of a new config differ from those they were admitted under', async () => {
    const registry = new InMemoryWorkloadRegistry();
    registrar = new WorkloadRegistrar({ registry, replica: 'r1', logger: pino({ level: 'silent' }), now: () => new Date(), ttlMs: 600_000, graceMs: 60_000, announce: async () => {} });
    const group = (tier: string): IstioResource => ({ apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: { name: 'cart', namespace: 'shop' }, spec: { metadata: { labels: { app: 'cart', tier } }, template: { serviceAccount: 'cart' } } }) as IstioResource;
    const route = (weight: number): IstioResource => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'cart', namespace: 'shop' }, spec: { hosts: ['cart'], http: [{ route: [{ destination: { host: 'cart' }, weight }] }] } }) as IstioResource;
    for (let i = 0; i < 3; i++) registrar.connect(`cart-${i}`, `cart-${i}`, proxy(i, 'prod', 'cart'), [group('a'), route(100)]);
    const tiers = async () => (await registry.list('default', 'prod')).map((w) => w.labels['tier']);
    await until(async () => (await tiers()).length === 3, 'the registrations');
    admissions.count = 0;

    // A revision that changes a route only (a new snapshot, equal groups): nobody is admitted again.
    await registrar.reevaluate('default', 'prod', [route(50), group('a')]);
    expect(admissions.count).toBe(0);
    // The group's labels change: all three are admitted again and written with them.
    await registrar.reevaluate('default', 'prod', [route(50), group('b')]);
    expect(admissions.count).toBe(3);
    expect(await tiers()).toEqual(['b', 'b', 'b']);
  });
});

describe('WorkloadRegistrar heartbeat', () => {
  it('refreshes 250 entries in batches of at most 100, each written with a later expiry', async () => {
    const inner = new InMemoryWorkloadRegistry();
    const batches: number[] = [];
    const registry: WorkloadRegistry = {
      put: (entries: readonly RegisteredWorkload[]) => (batches.push(entries.length), inner.put(entries)),
      remove: (t, m, ids, r) => inner.remove(t, m, ids, r),
      list: (t, m) => inner.list(t, m),
      removeMesh: (t, m) => inner.removeMesh(t, m),
      close: () => inner.close(),
    };
    registrar = new WorkloadRegistrar({ registry, replica: 'r1', logger: pino({ level: 'silent' }), now: () => new Date(), ttlMs: 600, graceMs: 60_000, announce: async () => {} });
    for (let i = 0; i < 250; i++) registrar.connect(`cart-${i}`, `cart-${i}`, proxy(i), []);
    await until(async () => (await inner.list('default', 'prod')).length === 250, 'every registration written');
    const first = new Map((await inner.list('default', 'prod')).map((w) => [w.id, w.expiresAt]));
    expect(first.size).toBe(250);
    batches.length = 0;
    // One beat (every 200 ms): three batches.
    await until(() => batches.length >= 3, 'a refresh');
    expect(batches.slice(0, 3)).toEqual([100, 100, 50]);
    await new Promise((r) => setTimeout(r, 20));
    const refreshed = await inner.list('default', 'prod');
    expect(refreshed).toHaveLength(250);
    expect(refreshed.every((w) => w.expiresAt > first.get(w.id)!)).toBe(true);
  });

  it('does not write back an entry removed while a refresh is under way, and starts no second refresh meanwhile', async () => {
    const inner = new InMemoryWorkloadRegistry();
    let refreshing = false;
    let hold: (() => void) | undefined;
    let started = 0;
    const written: string[][] = [];
    const registry: WorkloadRegistry = {
      put: async (entries: readonly RegisteredWorkload[]) => {
        if (refreshing) started++;
        if (refreshing && written.length === 0) await new Promise<void>((resolve) => (hold = resolve));
        if (refreshing) written.push(entries.map((e) => e.name + e.address));
        return inner.put(entries);
      },
      remove: (t, m, ids, r) => inner.remove(t, m, ids, r),
      list: (t, m) => inner.list(t, m),
      removeMesh: (t, m) => inner.removeMesh(t, m),
      close: () => inner.close(),
    };
    registrar = new WorkloadRegistrar({ registry, replica: 'r1', logger: pino({ level: 'silent' }), now: () => new Date(), ttlMs: 600, graceMs: 0, announce: async () => {} });
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push(registrar.connect(`cart-${i}`, `cart-${i}`, proxy(i), [])!);
    const listed = async () => (await inner.list('default', 'prod')).length;
    await until(async () => (await listed()) === 150, 'every entry written');
    refreshing = true;
    await until(() => hold !== undefined, 'a refresh holding its first batch');
    // The 140th proxy (in the second batch) goes; with no grace its entry is removed at once.
    registrar.disconnect(ids[139]!, 'cart-139');
    await until(async () => (await listed()) === 149, 'the removal');
    // Two more beats (every 200 ms) pass while the first batch is held: they leave the refresh under way be.
    await new Promise((r) => setTimeout(r, 450));
    expect(started).toBe(1);
    hold!();
    await until(() => written.length >= 2, 'the second batch');
    expect(written[0]).toHaveLength(100);
    expect(written[1]).toHaveLength(49);
    expect(written[1]!.some((w) => w.endsWith('10.1.0.140'))).toBe(false);
    expect(await listed()).toBe(149);
  });
});

describe('WorkloadRegistrar hand-over', () => {
  it('writes the entries of a gracefully stopping replica to outlast its proxies reconnecting elsewhere; a crashed one leaves them to expire', async () => {
    let clock = Date.parse('2026-12-07T12:00:00.000Z');
    const now = () => new Date(clock);
    const registry = new InMemoryWorkloadRegistry({ now });
    const ttlMs = 60_000;
    const start = (replica: string) => new WorkloadRegistrar({ registry, replica, logger: pino({ level: 'silent' }), now, ttlMs, graceMs: 20, announce: async () => {} });
    const listed = async () => (await registry.list('default', 'prod')).length;

    // 150 sidecars on one replica (two batches); one of them left and its grace period ended.
    registrar = start('r1');
    const ids = Array.from({ length: 150 }, (_, i) => registrar!.connect(`cart-${i}`, `cart-${i}`, proxy(i), []));
    await until(async () => (await listed()) === 150, 'the registrations');
    registrar.disconnect(ids[149]!, 'cart-149');
    await until(async () => (await listed()) === 149, 'the removal after the grace period');

    clock += 30_000;
    await registrar.handOver();
    registrar.stop();
    // Two TTLs later every entry is still an endpoint, as its proxy reconnects; after three they go.
    clock += 2 * ttlMs;
    expect(await listed()).toBe(149);
    clock += ttlMs + 1;
    expect(await listed()).toBe(0);

    // A replica that crashes writes nothing more: its entries last the usual TTL.
    registrar = start('r2');
    for (let i = 0; i < 3; i++) registrar.connect(`cart-${i}`, `cart-${i}`, proxy(i), []);
    await until(async () => (await listed()) === 3, 'the registrations');
    registrar.stop();
    clock += ttlMs + 1;
    expect(await listed()).toBe(0);
  });
});

describe('WorkloadRegistrar and a proxy that moved to another replica', () => {
  it('leaves the entry the new replica wrote while its own grace period for the proxy runs out', async () => {
    const registry = new InMemoryWorkloadRegistry();
    const options = { registry, logger: pino({ level: 'silent' }), now: () => new Date(), announce: async () => {} };
    // The old replica beats every 100 ms and keeps a left proxy for 250 ms; the new one beats rarely.
    const old = new WorkloadRegistrar({ ...options, replica: 'r-old', ttlMs: 300, graceMs: 250 });
    registrar = new WorkloadRegistrar({ ...options, replica: 'r-new', ttlMs: 600_000, graceMs: 60_000 });
    try {
      const id = old.connect('cart-1', 'cart-1', proxy(1), [])!;
      await until(async () => (await registry.list('default', 'prod')).length === 1, 'the registration');
      old.disconnect(id, 'cart-1');
      registrar.connect('cart-1', 'cart-1', proxy(1), []);
      await until(async () => (await registry.list('default', 'prod'))[0]?.replica === 'r-new', 'the new holder');
      // Past two of the old replica's beats and its grace period: the entry is still the new replica's.
      await new Promise((r) => setTimeout(r, 450));
      expect((await registry.list('default', 'prod')).map((w) => w.replica)).toEqual(['r-new']);
    } finally {
      old.stop();
    }
  });
});
