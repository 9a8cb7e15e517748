import type { ImportReport, ReportEntry, ReportStatus } from './report.ts';

const STATUS_ORDER: Record<ReportStatus, number> = { none: 0, approximated: 1, mapped: 2 };
const HEADINGS = ['STATUS', 'SOURCE', 'FIELD', 'TRELLIS', 'NOTE'] as const;
const MAX_CELL = 90;

const clip = (s: string) => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);

function table(headings: readonly string[], rows: readonly string[][]): string[] {
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headings), ...rows.map(line)];
}

/** The report as an aligned text table: what needs action first (none, then approximated), then what mapped. */
export function renderReportTable(entries: readonly ReportEntry[], options: { wide?: boolean } = {}): string {
  const sorted = [...entries].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.source.localeCompare(b.source));
  const cell = options.wide ? (s: string) => s : clip;
  const rows = sorted.map((e) => [e.status, e.source, e.field, cell(e.trellis ?? '-'), cell(e.note || '-')]);
  const counts = { mapped: 0, approximated: 0, none: 0 };
  for (const e of entries) counts[e.status]++;
  const summary = `${counts.mapped} mapped, ${counts.approximated} approximated, ${counts.none} with no equivalent`;
  return [...table(HEADINGS, rows), '', summary, ''].join('\n');
}

/** One line per App Mesh resource outcome count: `12 of 14 App Mesh resources converted, 1 not converted, 1 skipped`. */
export function outcomeSummary(report: ImportReport): string {
  const n = (o: string) => report.resources.filter((r) => r.outcome === o).length;
  const skipped = n('skipped');
  return `${n('converted')} of ${report.resources.length} App Mesh resources converted, ${n('not converted')} not converted${skipped ? `, ${skipped} skipped (condition false)` : ''}`;
}

/**
 * The resource-level part of the report: what was not converted or skipped and why, every rename, and
 * field coverage per App Mesh resource type.
 */
export function renderResourceReport(report: ImportReport): string {
  const lines = [outcomeSummary(report), ''];
  const notDone = report.resources.filter((r) => r.outcome !== 'converted');
  if (notDone.length) lines.push(...table(['OUTCOME', 'SOURCE', 'REASON'], notDone.map((r) => [r.outcome, r.source, r.reasons.join('; ')])), '');
  if (report.renames.length) lines.push('Renamed (App Mesh names that are not DNS labels):', ...table(['FROM', 'TO', 'WHERE'], report.renames.map((r) => [r.from, r.to, r.what])), '');
  const coverage = Object.entries(report.coverage()).sort(([a], [b]) => a.localeCompare(b));
  if (coverage.length) lines.push('Field coverage by App Mesh resource type:', ...table(['TYPE', 'MAPPED', 'APPROXIMATED', 'NONE'], coverage.map(([kind, c]) => [kind, String(c.mapped), String(c.approximated), String(c.none)])), '');
  return lines.join('\n');
}
