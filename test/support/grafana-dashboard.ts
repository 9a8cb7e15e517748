import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RunningPrometheus } from './prometheus.ts';
import { ROOT } from './tools.ts';

/** The part of Grafana's dashboard JSON model that Trellis's dashboards use. */
export interface DashboardPanel {
  type: string;
  title: string;
  /** Grafana's grid: 24 columns; one row unit is 30 px plus an 8 px margin. */
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { expr: string; legendFormat?: string }[];
  fieldConfig?: { defaults?: { unit?: string } };
}

export interface Dashboard {
  /** The file name without `.json`. */
  name: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; query?: string }[] };
}

/** The dashboards over the Istio metrics, in docs/grafana/. */
export const SERVICE_DASHBOARDS = ['trellis-mesh', 'trellis-service', 'trellis-workload'];

/** Larger than any dashboard a person keeps; Trellis's are under 20 KiB. */
const MAX_DASHBOARD_BYTES = 5 * 1024 * 1024;

/** Reads a dashboard: a name in docs/grafana/ or a path to a `.json` file; throws, naming the file and what is wrong, on anything else. */
export function loadDashboard(nameOrPath: string): Dashboard {
  const file = nameOrPath.endsWith('.json') ? path.resolve(nameOrPath) : path.join(ROOT, 'docs/grafana', `${nameOrPath}.json`);
  if (!existsSync(file)) throw new Error(`${file}: no such dashboard`);
  const size = statSync(file).size;
  if (size > MAX_DASHBOARD_BYTES) throw new Error(`${file}: ${size} bytes, over the ${MAX_DASHBOARD_BYTES}-byte limit for a dashboard`);
  let model: Partial<Omit<Dashboard, 'name'>>;
  try {
    model = JSON.parse(readFileSync(file, 'utf8')) as typeof model;
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const problems = dashboardProblems(model);
  if (problems.length) throw new Error(`${file}: not a Grafana dashboard this tool reads: ${problems.join('; ')}`);
  return { ...(model as Omit<Dashboard, 'name'>), name: path.basename(file, '.json') };
}

/** What keeps `model` from being drawn, each with its field path. */
function dashboardProblems(model: unknown): string[] {
  if (typeof model !== 'object' || model === null || Array.isArray(model)) return ['the top level is not an object'];
  const m = model as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof m.title !== 'string') problems.push('title: not a string');
  const list = (m.templating as { list?: unknown } | undefined)?.list;
  if (!Array.isArray(list)) problems.push('templating.list: not an array');
  else list.forEach((v: unknown, i) => typeof (v as { name?: unknown })?.name !== 'string' && problems.push(`templating.list[${i}].name: not a string`));
  if (!Array.isArray(m.panels)) return [...problems, 'panels: not an array'];
  m.panels.forEach((p: unknown, i) => {
    const panel = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    if (typeof panel.title !== 'string') problems.push(`panels[${i}].title: not a string`);
    if (typeof panel.type !== 'string') problems.push(`panels[${i}].type: not a string`);
    const g = panel.gridPos as Record<string, unknown> | undefined;
    const inGrid = g && [g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n) && (n as number) >= 0) && (g.w as number) >= 1 && (g.h as number) >= 1 && (g.x as number) + (g.w as number) <= 24 && (g.y as number) <= 10_000 && (g.h as number) <= 100;
    if (!inGrid) problems.push(`panels[${i}].gridPos: not x, y, w, h on Grafana's 24-column grid`);
    if (!Array.isArray(panel.targets) || !panel.targets.every((t: unknown) => typeof (t as { expr?: unknown })?.expr === 'string')) problems.push(`panels[${i}].targets: not a list of { expr }`);
  });
  return problems;
}

/** Fills `$name` variables in; throws on one that `variables` does not set. */
export function substitute(expr: string, variables: Readonly<Record<string, string>>): string {
  return expr.replace(/\$(\w+)/g, (_m, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new Error(`variable $${name} is not set (in ${expr})`);
    return value;
  });
}

/** Grafana's default dashboard width in this model, px (a 1920-px screen less its side menu). */
export const DASHBOARD_WIDTH_PX = 1600;

/**
 * The step Grafana gives a panel's range query: the time range over the panel's width in pixels
 * (its default max data points), never under the data source's scrape interval.
 */
export function panelStepSeconds(panel: DashboardPanel, rangeSeconds: number, scrapeIntervalSeconds: number): number {
  const widthPx = Math.round((panel.gridPos.w / 24) * DASHBOARD_WIDTH_PX);
  return Math.max(scrapeIntervalSeconds, Math.ceil(rangeSeconds / widthPx));
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** A range query over Prometheus's HTTP API; throws on an error answer. */
export async function queryRange(prometheusUrl: string, expr: string, range: { start: number; end: number; stepSeconds: number }): Promise<{ result: RangeSeries[]; evalSeconds: number | undefined }> {
  const params = new URLSearchParams({ query: expr, start: String(range.start), end: String(range.end), step: String(range.stepSeconds), stats: 'all' });
  const res = await fetch(`${prometheusUrl}/api/v1/query_range?${params}`, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { status: string; error?: string; data: { result: RangeSeries[]; stats?: { timings?: { evalTotalTime?: number } } } };
  if (body.status !== 'success') throw new Error(`Prometheus query_range ${expr}: ${body.error ?? res.status}`);
  return { result: body.data.result, evalSeconds: body.data.stats?.timings?.evalTotalTime };
}

export interface QueryTiming {
  dashboard: string;
  panel: string;
  kind: 'instant' | 'range';
  /** Round trip over loopback, as a dashboard sees it. */
  wallMs: number;
  /** Prometheus's own evaluation time (`stats=all`). */
  evalMs: number;
  /** Series returned. */
  series: number;
}

/**
 * Every panel query of `dashboards`, once as an instant query and once as a range query over the last
 * `rangeSeconds` at the panel's step, in turn (never concurrently, so one query's time is its own).
 */
export async function timeDashboardQueries(prometheus: RunningPrometheus, dashboards: Dashboard[], variables: Readonly<Record<string, string>>, o: { rangeSeconds: number; scrapeIntervalSeconds: number }): Promise<QueryTiming[]> {
  const timings: QueryTiming[] = [];
  for (const dashboard of dashboards) {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const expr = substitute(target.expr, variables);
        let started = performance.now();
        const instant = await prometheus.query(expr);
        timings.push({ dashboard: dashboard.name, panel: panel.title, kind: 'instant', wallMs: performance.now() - started, evalMs: (instant.evalSeconds ?? NaN) * 1000, series: instant.result.length });
        const end = Date.now() / 1000;
        started = performance.now();
        const range = await queryRange(prometheus.url, expr, { start: end - o.rangeSeconds, end, stepSeconds: panelStepSeconds(panel, o.rangeSeconds, o.scrapeIntervalSeconds) });
        timings.push({ dashboard: dashboard.name, panel: panel.title, kind: 'range', wallMs: performance.now() - started, evalMs: (range.evalSeconds ?? NaN) * 1000, series: range.result.length });
      }
    }
  }
  return timings;
}

/** Nearest-rank percentile of an unsorted sample. */
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** One line per dashboard and kind: query count, p50 and max of the round trip and of Prometheus's evaluation, and the slowest panel. */
export function summarizeQueryTimings(timings: QueryTiming[]): string[] {
  const lines: string[] = [];
  for (const dashboard of [...new Set(timings.map((t) => t.dashboard))]) {
    for (const kind of ['instant', 'range'] as const) {
      const some = timings.filter((t) => t.dashboard === dashboard && t.kind === kind);
      if (!some.length) continue;
      const wall = some.map((t) => t.wallMs);
      const evaluation = some.map((t) => t.evalMs);
      const slowest = some.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
      const f = (n: number) => n.toFixed(2);
      lines.push(`${dashboard} ${kind}: ${some.length} queries, round trip p50 ${f(percentile(wall, 50))} ms max ${f(Math.max(...wall))} ms, Prometheus eval p50 ${f(percentile(evaluation, 50))} ms max ${f(Math.max(...evaluation))} ms (slowest: ${slowest.panel})`);
    }
  }
  return lines;
}
