import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.ts';
import { formatFamily, formatHistogram } from './prometheus-writer.ts';

describe('parsePrometheusText', () => {
  it('reads families, labels with escapes, special values and timestamps, and keeps the lines', () => {
    const text = [
      '# HELP a_total Requests\\nby code.',
      '# TYPE a_total counter',
      'a_total{code="200",path="C:\\\\x \\"q\\"\\nz"} 20 1700000000000',
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 3.5e0',
      'h_count 2',
      'g NaN',
      'i{x="1",} -Inf',
    ].join('\n');
    const r = parsePrometheusText(text);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.map((f) => [f.name, f.type, f.samples.length])).toEqual([['a_total', 'counter', 1], ['h', 'histogram', 4], ['g', 'untyped', 1], ['i', 'untyped', 1]]);
    expect(r.value[0]!.help).toBe('Requests\\nby code.');
    expect(r.value[0]!.samples[0]!.labels).toEqual({ code: '200', path: 'C:\\x "q"\nz' });
    expect(r.value[1]!.samples.map((s) => s.value)).toEqual([1, 2, 3.5, 2]);
    expect(Number.isNaN(r.value[2]!.samples[0]!.value)).toBe(true);
    expect(r.value[3]!.samples[0]!.value).toBe(-Infinity);
    expect(r.value[1]!.lines).toEqual(text.split('\n').slice(3, 8));
  });

  it.each([
    ['an unclosed label value', 'a{x="1} 2', /not closed/],
    ['a bad escape', 'a{x="\\t"} 2', /invalid escape/],
    ['a bad metric name', '1a 2', /invalid metric name/],
    ['a bad label name', 'a{1x="1"} 2', /invalid label name/],
    ['a label twice', 'a{x="1",x="2"} 2', /appears twice/],
    ['a value that is not a number', 'a 12abc', /invalid value/],
    ['a bad timestamp', 'a 1 soon', /invalid timestamp/],
    ['trailing fields', 'a 1 2 3', /value and an optional timestamp/],
    ['an unknown type', '# TYPE a gauges', /unknown metric type/],
    ['a family typed twice', '# TYPE a gauge\na 1\n# TYPE a gauge', /after its samples or a second time/],
    ['a family split in two', 'a 1\nb 1\na 2', /not together/],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1', /without "le"/],
  ])('refuses %s, naming the line', (_what, text, message) => {
    const r = parsePrometheusText(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatchObject({ path: expect.stringMatching(/^line \d+$/), message: expect.stringMatching(message) });
  });

  it('stops after 20 errors on hostile input and stays linear on a long line', () => {
    const r = parsePrometheusText(Array(10_000).fill('a{').join('\n'));
    expect(!r.ok && r.errors.length).toBe(20);
    const started = Date.now();
    const long = parsePrometheusText(`a{x="${'y'.repeat(2_000_000)}"} 1`);
    expect(long.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reads back what the writer formats', () => {
    const text =
      formatFamily('c_total', 'counter', 'C.', [{ labels: { v: 'a"b\\c\nd' }, value: 5 }]) +
      formatHistogram('d', 'D.', [{ labels: { s: 'x' }, buckets: [{ le: 0.5, count: 1 }, { le: 1800000, count: 2 }], sum: 7.25, count: 3 }]);
    const r = parsePrometheusText(text);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value[0]!.samples[0]).toEqual({ name: 'c_total', labels: { v: 'a"b\\c\nd' }, value: 5 });
    expect(r.value[1]!.samples.map((s) => [s.name, s.labels['le'], s.value])).toEqual([['d_bucket', '0.5', 1], ['d_bucket', '1800000', 2], ['d_bucket', '+Inf', 3], ['d_sum', undefined, 7.25], ['d_count', undefined, 3]]);
    expect(formatFamily('e', 'gauge', 'E.', [])).toBe('');
  });
});
