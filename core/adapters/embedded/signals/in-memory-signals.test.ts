import { describe, expect, it } from 'vitest';
import { parseSignalReport } from '../../../signals/index.ts';
// Tests may use the shared contract suite; lint keeps production code in core/ away from test/.
import { durations, goldenSignalsContract } from '../../../../test/contracts/golden-signals-contract.ts';
import { InMemorySignals } from './in-memory-signals.ts';

const HOST = 'reviews.shop.svc.cluster.local';

goldenSignalsContract('in memory', () => new InMemorySignals());

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
