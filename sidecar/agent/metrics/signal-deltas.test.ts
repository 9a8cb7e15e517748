import { describe, expect, it } from 'vitest';
import { DURATION_BOUNDS_MS } from '../../../core/signals/index.ts';
import { parsePrometheusText } from './prometheus-text.ts';
import { deltas, serviceTotals } from './signal-deltas.ts';

const HOST = 'reviews.shop.svc.cluster.local';
/** Istio metrics text for one service version: requests by code, and a duration histogram with `under10` at or below 10 ms and the rest at or below 100 ms. */
function istio(version: string, codes: Record<string, number>, under10: number, reporter = 'source'): string {
  const labels = `reporter="${reporter}",destination_service="${HOST}",destination_version="${version}"`;
  const total = Object.values(codes).reduce((a, b) => a + b, 0);
  const buckets = [...DURATION_BOUNDS_MS.map(String), '+Inf'].map((le) => {
    const bound = le === '+Inf' ? Infinity : Number(le);
    return `istio_request_duration_milliseconds_bucket{${labels},response_code="unknown",le="${le}"} ${bound >= 100 ? total : bound >= 10 ? under10 : 0}`;
  });
  return [
    '# TYPE istio_requests_total counter',
    ...Object.entries(codes).map(([code, n]) => `istio_requests_total{${labels},response_code="${code}"} ${n}`),
    '# TYPE istio_request_duration_milliseconds histogram',
    ...buckets,
    `istio_request_duration_milliseconds_sum{${labels},response_code="unknown"} 1`,
    `istio_request_duration_milliseconds_count{${labels},response_code="unknown"} ${total}`,
    '',
  ].join('\n');
}
const totals = (...texts: string[]) =>
  serviceTotals(
    texts.flatMap((text) => {
      const parsed = parsePrometheusText(text);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.value;
    }),
  );

describe('signal deltas from Istio metrics', () => {
  it('turns cumulative buckets into per-bucket counts and counts 5xx as errors; the destination side is not a client view', () => {
    const t = totals(istio('v1', { '200': 8, '503': 2 }, 6), istio('v1', { '200': 99 }, 99, 'destination'));
    const [only] = [...t.values()];
    expect(t.size).toBe(1);
    expect(only).toMatchObject({ host: HOST, version: 'v1', requests: 10, errors: 2 });
    expect(only!.durationCounts[DURATION_BOUNDS_MS.indexOf(10)]).toBe(6);
    expect(only!.durationCounts[DURATION_BOUNDS_MS.indexOf(100)]).toBe(4);
    expect(only!.durationCounts.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('reports what changed, nothing when nothing did, and everything again after Envoy restarted', () => {
    const first = totals(istio('v1', { '200': 10 }, 10));
    const second = totals(istio('v1', { '200': 15, '500': 1 }, 12));
    expect(deltas(new Map(), first)).toMatchObject([{ requests: 10, errors: 0 }]);
    const [d] = deltas(first, second);
    expect(d).toMatchObject({ requests: 6, errors: 1 });
    expect(d!.durationCounts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(deltas(second, second)).toEqual([]);
    const restarted = totals(istio('v1', { '200': 3 }, 3));
    expect(deltas(second, restarted)).toMatchObject([{ requests: 3, errors: 0 }]);
  });
});
