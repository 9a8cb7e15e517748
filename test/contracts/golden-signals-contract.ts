import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DURATION_BOUNDS_MS, MAX_REPORT_SERVICES, type GoldenSignalsStore, type SignalReport } from '../../core/signals/index.ts';

const HOST = 'reviews.shop.svc.cluster.local';
/** `n` observations in the bucket whose upper bound is `boundMs`. */
export const durations = (entries: [number, number][]): number[] => {
  const counts = new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0);
  for (const [boundMs, n] of entries) {
    const i = DURATION_BOUNDS_MS.indexOf(boundMs as never);
    counts[i] = (counts[i] ?? 0) + n;
  }
  return counts;
};
const report = (services: SignalReport['services']): SignalReport => ({ services });
const one = (version: string, requests: number, errors = 0, boundMs = 10): SignalReport => report([{ host: HOST, version, requests, errors, durationCounts: durations([[boundMs, requests]]) }]);
/** Seconds after a fixed epoch that starts a 10-second slot. */
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + s * 1000);

/**
 * The GoldenSignalsStore contract (core/signals/golden-signals.ts). Tenant ids are unique per
 * test, so an implementation may share backing data between tests (e.g. one DynamoDB table).
 */
export function goldenSignalsContract(name: string, makeStore: () => GoldenSignalsStore): void {
  describe(`GoldenSignalsStore contract: ${name}`, () => {
    const tenant = () => `t-${randomUUID()}`;

    it('sums two sidecars per version over the window: rate, success and quantiles', async () => {
      const store = makeStore();
      const t = tenant();
      await store.record(t, 'm', 'a', one('v1', 90, 0, 10), at(1));
      await store.record(t, 'm', 'b', one('v2', 10, 5, 100), at(2));
      const got = await store.read(t, 'm', HOST, 60, at(5));
      expect(got).toMatchObject({ host: HOST, windowSeconds: 60, reporters: 2 });
      expect(got.total.requests).toBe(100);
      expect(got.total.requestsPerSecond).toBeCloseTo(100 / 60);
      expect(got.total.successRate).toBeCloseTo(0.95);
      expect(got.versions.map((v) => [v.version, v.requests, v.successRate])).toEqual([['v1', 90, 1], ['v2', 10, 0.5]]);
      // p50 of v1: rank 45 of 90 in (5, 10] → 7.5; p99 of the total lands in (50, 100]
      expect(got.versions[0]!.latencyMs?.p50).toBeCloseTo(7.5);
      expect(got.total.latencyMs!.p99).toBeGreaterThan(50);
      expect(got.total.latencyMs!.p99).toBeLessThanOrEqual(100);
    });

    it('adds reports that land in the same slot, and one sidecar counts once across versions and slots', async () => {
      const store = makeStore();
      const t = tenant();
      await store.record(t, 'm', 'a', one('v1', 3), at(0));
      await store.record(t, 'm', 'a', one('v1', 4), at(1));
      // One after the other: DynamoDB's ADD is atomic, but the moto server's is a read and a write,
      // and concurrent reports lost one of them under a loaded test run.
      await store.record(t, 'm', 'a', one('v2', 5), at(12));
      await store.record(t, 'm', 'b', one('v2', 6), at(13));
      const got = await store.read(t, 'm', HOST, 60, at(20));
      expect(got.reporters).toBe(2);
      expect(got.versions.map((v) => [v.version, v.requests])).toEqual([['v1', 7], ['v2', 11]]);
      expect(got.total.requests).toBe(18);
    });

    it('leaves out what is older than the window, sidecars that reported only before it, and other meshes and tenants', async () => {
      const store = makeStore();
      const t = tenant();
      await store.record(t, 'm', 'old', one('v1', 7), at(0));
      await store.record(t, 'other', 'a', one('v1', 9), at(100));
      await store.record(tenant(), 'm', 'a', one('v1', 11), at(100));
      await store.record(t, 'm', 'new', one('v1', 2), at(100));
      expect((await store.read(t, 'm', HOST, 60, at(30))).total.requests).toBe(7);
      const later = await store.read(t, 'm', HOST, 60, at(100));
      expect(later.total.requests).toBe(2);
      expect(later.reporters).toBe(1);
      const none = await store.read(t, 'm', 'ratings.shop.svc.cluster.local', 60, at(100));
      expect(none).toMatchObject({ reporters: 0, versions: [], total: { requests: 0, successRate: null, latencyMs: null } });
    });

    it('clamps the window to 10–900 seconds', async () => {
      const store = makeStore();
      const t = tenant();
      await store.record(t, 'm', 'a', one('v1', 5), at(0));
      expect((await store.read(t, 'm', HOST, 1, at(5))).windowSeconds).toBe(10);
      const wide = await store.read(t, 'm', HOST, 5000, at(850));
      expect(wide.windowSeconds).toBe(900);
      expect(wide.total.requests).toBe(5);
      expect((await store.read(t, 'm', HOST, 5000, at(910))).total.requests).toBe(0);
    });

    it(`records every service of a ${MAX_REPORT_SERVICES}-service report`, async () => {
      const store = makeStore();
      const t = tenant();
      const services = Array.from({ length: MAX_REPORT_SERVICES }, (_, i) => ({ host: `s${i}.shop.svc.cluster.local`, version: 'v1', requests: i + 1, errors: 0, durationCounts: durations([[1, i + 1]]) }));
      await store.record(t, 'm', 'a', report(services), at(0));
      const last = await store.read(t, 'm', `s${MAX_REPORT_SERVICES - 1}.shop.svc.cluster.local`, 60, at(1));
      expect(last.total.requests).toBe(MAX_REPORT_SERVICES);
      expect(last.reporters).toBe(1);
      expect((await store.read(t, 'm', 's0.shop.svc.cluster.local', 60, at(1))).total.requests).toBe(1);
    }, 120_000);
  });
}
