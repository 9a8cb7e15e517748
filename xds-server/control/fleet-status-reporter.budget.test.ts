import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InMemoryFleetStatus } from '../../core/adapters/embedded/fleet/index.ts';
import type { FleetStatusStore, ProxyStatusRecord } from '../../core/fleet/index.ts';
import type { ProxyStatus, XdsTypeName } from '../../core/proxies/proxy-status.ts';
import { FleetStatusReporter } from './fleet-status-reporter.ts';

// The write budget the reporter's comment states, counted on 1,000 simulated proxies.
const PROXIES = 1_000;
const TTL_MS = 60_000;
const FLUSH_MS = 500;
const START = Date.parse('2030-01-01T00:00:00.000Z');
const TYPES: XdsTypeName[] = ['cds', 'eds', 'lds', 'rds'];

/**
 * Proxy i connects `i` ms into the storm (1,000 proxies in one second) and, as Envoy does, is sent
 * and acknowledges one type every 100 ms: connected with CDS pending, synced 400 ms later.
 */
function statusAt(i: number, atMs: number): ProxyStatus | undefined {
  const since = atMs - (START + i);
  if (since < 0) return undefined;
  const steps = Math.min(TYPES.length, Math.floor(since / 100));
  const types: ProxyStatus['types'] = {};
  TYPES.forEach((type, t) => {
    if (t < steps) types[type] = { sent: `${type}-1`, acked: `${type}-1`, state: 'SYNCED' };
    else if (t === steps) types[type] = { sent: `${type}-1`, state: 'STALE' };
  });
  return { proxyId: `sidecar-${i}`, tenantId: 'acme', mesh: 'prod', namespace: 'shop', workload: 'web', protocol: 'delta', connectedAt: new Date(START + i).toISOString(), revision: 7, types };
}

function simulate() {
  let nowMs = START;
  let connected = PROXIES;
  const inner = new InMemoryFleetStatus({ now: () => new Date(nowMs) });
  const writesAt: number[] = [];
  const deletesAt: number[] = [];
  const store: FleetStatusStore = {
    put: async (records: readonly ProxyStatusRecord[]) => {
      for (let k = 0; k < records.length; k++) writesAt.push(nowMs);
      await inner.put(records);
    },
    remove: async (tenantId, mesh, ids, replica) => {
      for (let k = 0; k < ids.length; k++) deletesAt.push(nowMs);
      await inner.remove(tenantId, mesh, ids, replica);
    },
    list: (tenantId, mesh) => inner.list(tenantId, mesh),
    close: () => inner.close(),
  };
  const reporter = new FleetStatusReporter({
    replica: 'replica-a',
    store,
    statuses: async () => Array.from({ length: connected }, (_, i) => statusAt(i, nowMs)).filter((s) => s !== undefined),
    logger: pino({ level: 'silent' }),
    now: () => new Date(nowMs),
    ttlMs: TTL_MS,
    flushIntervalMs: FLUSH_MS,
  });
  return {
    reporter,
    store,
    writesAt,
    deletesAt,
    /** Runs the reporter's flushes, with stream events (so it looks every flush), until `untilMs` after the start. */
    async run(untilMs: number) {
      while (nowMs < START + untilMs) {
        nowMs += FLUSH_MS;
        reporter.notify();
        await reporter.flush();
      }
    },
    disconnectAll: () => (connected = 0),
  };
}

const inWindow = (times: number[], fromMs: number, toMs: number) => times.filter((t) => t > START + fromMs && t <= START + toMs).length;

describe('FleetStatusReporter write budget per 1,000 proxies', () => {
  it('a reconnect storm of 1,000 proxies within a second costs at most 2 writes per proxy and at most one per proxy per flush', async () => {
    const sim = simulate();

    await sim.run(5_000);
    const perFlush = new Map<number, number>();
    for (const t of sim.writesAt) perFlush.set(t, (perFlush.get(t) ?? 0) + 1);
    const peakPerSecond = Math.max(...Array.from({ length: 5 }, (_, s) => inWindow(sim.writesAt, s * 1000, (s + 1) * 1000)));
    const listed = await sim.store.list('acme', 'prod');

    console.info(`reconnect storm: ${sim.writesAt.length} writes for ${PROXIES} proxies (${(sim.writesAt.length / PROXIES).toFixed(2)} per proxy), peak ${peakPerSecond} writes/s, at most ${Math.max(...perFlush.values())} per flush`);
    expect(listed).toHaveLength(PROXIES);
    expect(listed.every((r) => Object.values(r.types).length === 4 && Object.values(r.types).every((t) => t.state === 'SYNCED'))).toBe(true);
    // Synced within 400 ms, a proxy is seen in at most two flush windows: mid-way and synced.
    expect(sim.writesAt.length).toBeGreaterThan(PROXIES);
    expect(sim.writesAt.length).toBeLessThanOrEqual(2 * PROXIES);
    expect(Math.max(...perFlush.values())).toBeLessThanOrEqual(PROXIES);
    expect(peakPerSecond).toBeLessThanOrEqual(2 * PROXIES);
  });

  it('steady state costs 50 writes per second (a heartbeat per proxy every TTL/3), and 1,000 disconnects one delete each', async () => {
    const sim = simulate();
    await sim.run(5_000);

    // Two minutes (six heartbeat periods) of nothing changing.
    await sim.run(5_000 + 120_000);
    const steady = inWindow(sim.writesAt, 5_000, 125_000) / 120;
    sim.disconnectAll();
    await sim.run(125_000 + FLUSH_MS);

    console.info(`steady state: ${steady} writes/s for ${PROXIES} proxies; disconnect of all: ${sim.deletesAt.length} deletes`);
    expect(steady).toBeCloseTo(PROXIES / (TTL_MS / 3 / 1000), 0);
    expect(sim.deletesAt).toHaveLength(PROXIES);
    expect(await sim.store.list('acme', 'prod')).toEqual([]);
  });
});
