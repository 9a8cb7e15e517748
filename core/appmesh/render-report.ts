import type { ReportEntry, ReportStatus } from './report.ts';

const STATUS_ORDER: Record<ReportStatus, number> = { none: 0, approximated: 1, mapped: 2 };
const HEADINGS = ['STATUS', 'SOURCE', 'FIELD', 'TRELLIS', 'NOTE'] as const;
const MAX_CELL = 90;

const clip = (s: string) => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);

/** The report as an aligned text table: what needs action first (none, then approximated), then what mapped. */
export function renderReportTable(entries: readonly ReportEntry[], options: { wide?: boolean } = {}): string {
  const sorted = [...entries].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.source.localeCompare(b.source));
  const cell = options.wide ? (s: string) => s : clip;
  const rows = sorted.map((e) => [e.status, e.source, e.field, cell(e.trellis ?? '-'), cell(e.note || '-')]);
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const counts = { mapped: 0, approximated: 0, none: 0 };
  for (const e of entries) counts[e.status]++;
  const summary = `${counts.mapped} mapped, ${counts.approximated} approximated, ${counts.none} with no equivalent`;
  return [line(HEADINGS), ...rows.map(line), '', summary, ''].join('\n');
}
