import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InMemoryFleetStatus } from '../../core/adapters/embedded/fleet/index.ts';
import type { FleetStatusStore, ProxyStatusRecord } from '../../core/fleet/index.ts';
import type { ProxyStatus } from '../../core/proxies/proxy-status.ts';
import { FleetStatusReporter, type FleetStatusReporterOptions } from './fleet-status-reporter.ts';

const TTL = 60_000;
const START = Date.parse('2030-01-01T00:00:00.000Z');

/** The real in-memory store with every call counted. */
function countingStore(now: () => Date): FleetStatusStore & { puts: ProxyStatusRecord[][]; removes: { mesh: string; proxyIds: readonly string[]; replica: string }[]; failNext: number } {
  const inner = new InMemoryFleetStatus({ now });
  const store = {
    puts: [] as ProxyStatusRecord[][],
    removes: [] as { mesh: string; proxyIds: readonly string[]; replica: string }[],
    failNext: 0,
    async put(records: readonly ProxyStatusRecord[]) {
      if (store.failNext > 0) {
        store.failNext--;
        throw new Error('DynamoDB is throttling');
      }
      store.puts.push([...records]);
      await inner.put(records);
    },
    async remove(tenantId: string, mesh: string, proxyIds: readonly string[], replica: string) {
      store.removes.push({ mesh, proxyIds, replica });
      await inner.remove(tenantId, mesh, proxyIds, replica);
    },
    list: (tenantId: string, mesh: string) => inner.list(tenantId, mesh),
    close: () => inner.close(),
  };
  return store;
}

const status = (proxyId: string, overrides: Partial<ProxyStatus> = {}): ProxyStatus => ({
  proxyId,
  tenantId: 'acme',
  mesh: 'prod',
  namespace: 'shop',
  workload: 'web',
  protocol: 'delta',
  connectedAt: new Date(START).toISOString(),
  revision: 3,
  types: { cds: { sent: 'c1', acked: 'c1', state: 'SYNCED' } },
  ...overrides,
});

function setup(options: Partial<FleetStatusReporterOptions> = {}) {
  let nowMs = START;
  const now = options.now ?? (() => new Date(nowMs));
  const store = countingStore(now);
  let current: ProxyStatus[] = [];
  let looks = 0;
  const logged: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
  const reporter = new FleetStatusReporter({
    replica: 'replica-a',
    store,
    statuses: async () => (looks++, structuredClone(current)),
    logger,
    now,
    ttlMs: TTL,
    ...options,
  });
  return {
    reporter,
    store,
    logged,
    looks: () => looks,
    set: (statuses: ProxyStatus[]) => {
      current = statuses;
      reporter.notify();
    },
    advance: (ms: number) => (nowMs += ms),
    written: () => store.puts.flat(),
  };
}

describe('FleetStatusReporter', () => {
  it('writes one record per connected proxy with its replica, the time it was observed and when it expires', async () => {
    const t = setup();
    t.set([status('a'), status('b', { tenantId: 'other', mesh: 'dev' })]);

    await t.reporter.flush();

    expect(await t.store.list('acme', 'prod')).toStrictEqual([{ ...status('a'), replica: 'replica-a', updatedAt: new Date(START).toISOString(), expiresAt: new Date(START + TTL).toISOString() }]);
    expect((await t.store.list('other', 'dev')).map((r) => r.proxyId)).toEqual(['b']);
    expect(t.store.puts).toHaveLength(1);
  });

  it('writes only the records whose content changed since it last wrote them', async () => {
    const t = setup();
    t.set([status('a'), status('b'), status('c')]);
    await t.reporter.flush();

    t.advance(500);
    t.set([status('a'), status('b', { revision: 4 }), status('c')]);
    await t.reporter.flush();
    t.advance(500);
    t.set([status('a'), status('b', { revision: 4 }), status('c')]);
    await t.reporter.flush();

    expect(t.store.puts.map((p) => p.map((r) => r.proxyId))).toEqual([['a', 'b', 'c'], ['b']]);
    expect((await t.store.list('acme', 'prod')).find((r) => r.proxyId === 'b')).toMatchObject({ revision: 4, updatedAt: new Date(START + 500).toISOString() });
  });

  it('coalesces changes between two flushes into one write of the latest content', async () => {
    const t = setup();
    t.set([status('a')]);
    await t.reporter.flush();

    t.set([status('a', { types: { cds: { sent: 'c2', acked: 'c1', state: 'STALE' } } })]);
    t.set([status('a', { types: { cds: { sent: 'c2', acked: 'c2', state: 'SYNCED' } } })]);
    t.set([status('a', { revision: 4, types: { cds: { sent: 'c2', acked: 'c2', state: 'SYNCED' } } })]);
    t.advance(500);
    await t.reporter.flush();

    expect(t.store.puts).toHaveLength(2);
    expect(t.store.puts[1]).toMatchObject([{ revision: 4, types: { cds: { state: 'SYNCED', acked: 'c2' } } }]);
  });

  it('rewrites every held record TTL/3 after its last write, keeping updatedAt, and only then', async () => {
    const t = setup();
    t.set([status('a'), status('b')]);
    await t.reporter.flush();
    t.advance(10_000);
    t.set([status('a'), status('b', { revision: 4 })]);
    await t.reporter.flush();

    t.advance(TTL / 3 - 10_000 - 1);
    await t.reporter.flush();
    const beforeDue = t.store.puts.length;
    t.advance(1);
    await t.reporter.flush();
    t.advance(10_000);
    await t.reporter.flush();

    expect(beforeDue).toBe(2);
    expect(t.store.puts.slice(2).map((p) => p.map((r) => [r.proxyId, r.updatedAt, r.expiresAt]))).toEqual([
      [['a', new Date(START).toISOString(), new Date(START + TTL / 3 + TTL).toISOString()]],
      [['b', new Date(START + 10_000).toISOString(), new Date(START + 10_000 + TTL / 3 + TTL).toISOString()]],
    ]);
  });

  it('keeps a proxy listed past the first TTL through heartbeats alone', async () => {
    const t = setup({ pollIntervalMs: 1_000 });
    t.set([status('a')]);
    for (let ms = 0; ms <= 3 * TTL; ms += 500) {
      await t.reporter.flush();
      t.advance(500);
    }

    expect((await t.store.list('acme', 'prod')).map((r) => r.proxyId)).toEqual(['a']);
    // One write, then one heartbeat every 20 s over 180 s.
    expect(t.store.puts).toHaveLength(1 + 9);
  });

  it("removes the records of proxies that disconnected, and never another replica's", async () => {
    const t = setup();
    t.set([status('a'), status('b'), status('c')]);
    await t.reporter.flush();
    // Proxy c reconnected to replica b, which wrote its record since.
    await t.store.put([{ ...status('c', { revision: 5 }), replica: 'replica-b', updatedAt: new Date(START).toISOString(), expiresAt: new Date(START + TTL).toISOString() }]);

    t.set([status('a')]);
    t.advance(500);
    await t.reporter.flush();

    expect(t.store.removes).toEqual([{ mesh: 'prod', proxyIds: ['b', 'c'], replica: 'replica-a' }]);
    expect((await t.store.list('acme', 'prod')).map((r) => [r.proxyId, r.replica])).toEqual([
      ['a', 'replica-a'],
      ['c', 'replica-b'],
    ]);
  });

  it('looks at the statuses after a stream event, and otherwise only every poll interval', async () => {
    const t = setup({ pollIntervalMs: 2_000 });
    t.set([status('a')]);
    await t.reporter.flush();

    for (let i = 0; i < 3; i++) {
      t.advance(500);
      await t.reporter.flush();
    }
    const idleLooks = t.looks();
    t.advance(500);
    await t.reporter.flush();
    const afterPoll = t.looks();
    t.advance(500);
    t.reporter.hooks.onAck?.({} as never);
    await t.reporter.flush();

    expect(idleLooks).toBe(1);
    expect(afterPoll).toBe(2);
    expect(t.looks()).toBe(3);
  });

  it('retries a write that failed at the next flush, and forgets nothing', async () => {
    const t = setup();
    t.store.failNext = 1;
    t.set([status('a')]);

    await t.reporter.flush();
    const afterFailure = await t.store.list('acme', 'prod');
    t.advance(500);
    await t.reporter.flush();

    expect(afterFailure).toEqual([]);
    expect((await t.store.list('acme', 'prod')).map((r) => r.proxyId)).toEqual(['a']);
    expect(t.logged.join('')).toMatch(/proxy status not written; retried at the next flush/);
  });

  it('skips a status the store cannot take, logs it once, and writes the others', async () => {
    const t = setup();
    t.set([status('a'), status('node with spaces'), status('b')]);

    await t.reporter.flush();
    t.advance(500);
    t.set([status('a'), status('node with spaces'), status('b')]);
    await t.reporter.flush();

    expect(t.store.puts.map((p) => p.map((r) => r.proxyId))).toEqual([['a', 'b']]);
    expect(t.logged.filter((l) => l.includes('proxy status not reportable to the fleet'))).toHaveLength(1);
    expect(t.logged.join('')).toContain('"errors":[{"path":"proxyId","message":"must be printable ASCII without spaces"}]');
  });

  it('stores a long NACK message truncated, and writes again only when the proxy changes', async () => {
    const t = setup();
    const nacked = status('a', { types: { lds: { sent: 'l2', acked: 'l1', state: 'NACKED', lastNack: { version: 'l2', message: 'x'.repeat(50_000), at: new Date(START).toISOString() } } } });
    t.set([nacked]);
    await t.reporter.flush();
    t.advance(500);
    t.set([structuredClone(nacked)]);
    await t.reporter.flush();

    const [stored] = await t.store.list('acme', 'prod');
    expect(stored!.types.lds!.lastNack!.message).toHaveLength(1024);
    expect(t.store.puts).toHaveLength(1);
  });

  it('removes every record it holds when stopped, and writes nothing after', async () => {
    const t = setup();
    t.set([status('a'), status('b')]);
    await t.reporter.flush();

    await t.reporter.stop();
    t.set([status('a'), status('c')]);
    await t.reporter.flush();

    expect(await t.store.list('acme', 'prod')).toEqual([]);
    expect(t.store.puts).toHaveLength(1);
  });

  it('flushes on its own timer, at most once per interval however often statuses change', async () => {
    const t = setup({ now: () => new Date(), flushIntervalMs: 200 });
    t.reporter.start();
    try {
      const started = Date.now();
      // Twenty changes of one proxy within about a second.
      for (let i = 0; i < 20; i++) {
        t.set([status('a', { revision: i })]);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      const elapsed = Date.now() - started;

      expect((await t.store.list('acme', 'prod'))[0]?.revision).toBe(19);
      expect(t.store.puts.length).toBeGreaterThanOrEqual(2);
      expect(t.store.puts.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1);
    } finally {
      await t.reporter.stop();
    }
  });
});
