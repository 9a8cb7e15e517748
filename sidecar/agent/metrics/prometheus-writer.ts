import type { MetricType } from './prometheus-text.ts';

export interface SeriesValue {
  labels: Record<string, string>;
  value: number;
}

export interface HistogramValue {
  labels: Record<string, string>;
  /** Cumulative counts by upper bound, ascending, without +Inf. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

const header = (name: string, type: MetricType, help: string) => `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;

/** A counter or gauge family in the text format; nothing when it has no series. */
export function formatFamily(name: string, type: 'counter' | 'gauge', help: string, series: readonly SeriesValue[]): string {
  if (series.length === 0) return '';
  return header(name, type, help) + series.map((s) => `${name}${labelText(s.labels)} ${formatNumber(s.value)}\n`).join('');
}

/** A histogram family (`_bucket` with `le`, `_sum`, `_count`); nothing when it has no series. */
export function formatHistogram(name: string, help: string, series: readonly HistogramValue[]): string {
  if (series.length === 0) return '';
  const lines = series.flatMap((h) => [
    ...h.buckets.map((b) => `${name}_bucket${labelText({ ...h.labels, le: formatNumber(b.le) })} ${formatNumber(b.count)}`),
    `${name}_bucket${labelText({ ...h.labels, le: '+Inf' })} ${formatNumber(h.count)}`,
    `${name}_sum${labelText(h.labels)} ${formatNumber(h.sum)}`,
    `${name}_count${labelText(h.labels)} ${formatNumber(h.count)}`,
  ]);
  return header(name, 'histogram', help) + lines.map((l) => `${l}\n`).join('');
}
