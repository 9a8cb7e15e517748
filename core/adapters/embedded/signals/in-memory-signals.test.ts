import { describe, expect, it } from 'vitest';
import { DURATION_BOUNDS_MS, parseSignalReport, type SignalReport } from '../../../signals/index.ts';
import { InMemorySignals } from './in-memory-signals.ts';

const HOST = 'reviews.shop.svc.cluster.local';
/** `n` observations in the bucket whose upper bound is `boundMs`. */
const durations = (entries: [number, number][]) => {
  const counts = new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0);
  for (const [boundMs, n] of entries) {
    const i = DURATION_BOUNDS_MS.indexOf(boundMs as never);
    counts[i] = (counts[i] ?? 0) + n;
  }
  return counts;
};
const report = (services: SignalReport['services']): SignalReport => ({ services });
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + s * 1000);

describe('InMemorySignals', () => {
  it('sums two sidecars per version over the window: rate, success and quantiles', async () => {
    const store = new InMemorySignals();
    await store.record('t', 'm', 'a', report([{ host: HOST, version: 'v1', requests: 90, errors: 0, durationCounts: durations([[10, 90]]) }]), at(1));
    await store.record('t', 'm', 'b', report([{ host: HOST, version: 'v2', requests: 10, errors: 5, durationCounts: durations([[100, 10]]) }]), at(2));
    const got = await store.read('t', 'm', HOST, 60, at(5));
    expect(got.reporters).toBe(2);
    expect(got.total.requests).toBe(100);
    expect(got.total.requestsPerSecond).toBeCloseTo(100 / 60);
    expect(got.total.successRate).toBeCloseTo(0.95);
    expect(got.versions.map((v) => [v.version, v.requests, v.successRate])).toEqual([['v1', 90, 1], ['v2', 10, 0.5]]);
    // p50 of v1: rank 45 of 90 in (5, 10] → 7.5; p99 of the total lands in (50, 100]
    expect(got.versions[0]!.latencyMs?.p50).toBeCloseTo(7.5);
    expect(got.total.latencyMs!.p99).toBeGreaterThan(50);
    expect(got.total.latencyMs!.p99).toBeLessThanOrEqual(100);
  });

  it('leaves out what is older than the window, and other meshes', async () => {
    const store = new InMemorySignals();
    await store.record('t', 'm', 'a', report([{ host: HOST, version: 'v1', requests: 7, errors: 0, durationCounts: durations([[1, 7]]) }]), at(0));
    await store.record('t', 'other', 'a', report([{ host: HOST, version: 'v1', requests: 9, errors: 0, durationCounts: durations([[1, 9]]) }]), at(100));
    expect((await store.read('t', 'm', HOST, 60, at(30))).total.requests).toBe(7);
    const later = await store.read('t', 'm', HOST, 60, at(100));
    expect(later.total).toMatchObject({ requests: 0, successRate: null, latencyMs: null });
    expect(later.versions).toEqual([]);
  });
});

describe('parseSignalReport', () => {
  const good = { host: HOST, version: 'v1', requests: 1, errors: 0, durationCounts: durations([[1, 1]]) };
  it('accepts a report', () => expect(parseSignalReport({ services: [good] }).ok).toBe(true));
  it.each([
    ['a bogus host', { services: [{ ...good, host: 'Not A Host/..' }] }, 'services.0.host'],
    ['more errors than requests', { services: [{ ...good, errors: 2 }] }, 'services.0.errors'],
    ['a negative count', { services: [{ ...good, requests: -1 }] }, 'services.0.requests'],
    ['a huge count', { services: [{ ...good, requests: 1e15 }] }, 'services.0.requests'],
    ['the wrong number of buckets', { services: [{ ...good, durationCounts: [1] }] }, 'services.0.durationCounts'],
    ['an unknown field', { services: [{ ...good, extra: 1 }] }, 'services.0'],
    ['too many services', { services: Array.from({ length: 501 }, () => good) }, 'services'],
    ['not an object', 'nope', ''],
  ])('refuses %s with its path', (_what, body, path) => {
    const r = parseSignalReport(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toContain(path);
  });
});
