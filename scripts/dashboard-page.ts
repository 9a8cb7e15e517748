// A Grafana dashboard's panels, with the series their queries returned, as one self-contained HTML
// page laid out on Grafana's grid: time series drawn by uPlot, stat panels as their last value.
import type { DashboardPanel, RangeSeries } from '../test/support/grafana-dashboard.ts';

export interface PanelData {
  panel: DashboardPanel;
  /** Per target, in the panel's order: what its range query returned. */
  results: RangeSeries[][];
}

export interface PageInput {
  title: string;
  /** The dashboard's variables with their values, shown in the header as Grafana shows them. */
  variables: Record<string, string>;
  /** Unix seconds. */
  start: number;
  end: number;
  /** Where the dashboard came from, printed in the footer. */
  source: string;
  panels: PanelData[];
}

/** Grafana's grid: 24 columns over the page's width; one row unit is 30 px plus an 8 px margin. */
export const PAGE_WIDTH_PX = 1600;
const ROW_PX = 30;
const MARGIN_PX = 8;
const HEADER_PX = 64;
/** Grafana's classic palette. */
const COLOURS = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9', '#705DA0', '#508642', '#CCA300'];
const MAX_SERIES_PER_PANEL = 20;
const MAX_LABEL_CHARS = 120;

/** Pixel box of a panel from its gridPos. */
export function panelBox(gridPos: DashboardPanel['gridPos']): { left: number; top: number; width: number; height: number } {
  const column = PAGE_WIDTH_PX / 24;
  return { left: gridPos.x * column, top: HEADER_PX + gridPos.y * (ROW_PX + MARGIN_PX), width: gridPos.w * column - MARGIN_PX, height: gridPos.h * (ROW_PX + MARGIN_PX) - MARGIN_PX };
}

/** A series' name from the target's legend format (`{{label}}`), as Grafana writes it; the full label set without one. */
export function legendName(format: string | undefined, metric: Record<string, string>): string {
  const name = format
    ? format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, label: string) => metric[label] ?? '')
    : `{${Object.entries(metric).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  return name.length > MAX_LABEL_CHARS ? `${name.slice(0, MAX_LABEL_CHARS - 1)}…` : name;
}

/** How a Grafana unit is shown: values are multiplied by `factor` and followed by `suffix`. */
export function displayUnit(unit: string | undefined, largest: number): { factor: number; suffix: string } {
  switch (unit) {
    case 'percentunit':
      return { factor: 100, suffix: '%' };
    case 'reqps':
      return { factor: 1, suffix: ' req/s' };
    case 'ms':
      return largest >= 1000 ? { factor: 1 / 1000, suffix: ' s' } : { factor: 1, suffix: ' ms' };
    case 's':
      if (Math.abs(largest) >= 2 * 86_400) return { factor: 1 / 86_400, suffix: ' days' };
      if (Math.abs(largest) >= 2 * 3600) return { factor: 1 / 3600, suffix: ' h' };
      if (Math.abs(largest) >= 120) return { factor: 1 / 60, suffix: ' min' };
      return { factor: 1, suffix: ' s' };
    default:
      return { factor: 1, suffix: '' };
  }
}

/** A value with its unit, to three significant digits (Grafana's stat panels show about as many). */
export function formatValue(value: number, unit: string | undefined): string {
  const { factor, suffix } = displayUnit(unit, value);
  const scaled = value * factor;
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)}${suffix}`;
}

/** Prometheus writes NaN and ±Inf as strings; a chart gets a gap there. */
const sample = (text: string): number | null => {
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
};

interface ChartModel {
  kind: 'timeseries';
  xs: number[];
  series: { name: string; colour: string; values: (number | null)[] }[];
  factor: number;
  suffix: string;
}
interface StatModel {
  kind: 'stat';
  values: { name: string; text: string }[];
}
interface PanelModel {
  title: string;
  box: ReturnType<typeof panelBox>;
  /** Series left out over the per-panel limit. */
  omitted: number;
  body: ChartModel | StatModel;
}

/** What the page script draws, computed here so the page does no parsing of its own. */
export function pageModel(input: PageInput): { title: string; header: string; footer: string; height: number; panels: PanelModel[] } {
  const panels = input.panels.map(({ panel, results }): PanelModel => {
    const named = results.flatMap((series, i) => series.map((s) => ({ name: legendName(panel.targets[i]?.legendFormat, s.metric), values: s.values })));
    const kept = named.slice(0, MAX_SERIES_PER_PANEL);
    const unit = panel.fieldConfig?.defaults?.unit;
    const box = panelBox(panel.gridPos);
    if (panel.type === 'stat') {
      const values = kept.map((s) => {
        const last = [...s.values].reverse().map(([, v]) => sample(v)).find((v) => v !== null);
        return { name: s.name, text: last === undefined || last === null ? 'No data' : formatValue(last, unit) };
      });
      return { title: panel.title, box, omitted: named.length - kept.length, body: { kind: 'stat', values } };
    }
    const xs = [...new Set(kept.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
    const at = new Map(xs.map((t, i) => [t, i]));
    const largest = Math.max(0, ...kept.flatMap((s) => s.values.map(([, v]) => Math.abs(sample(v) ?? 0))));
    const { factor, suffix } = displayUnit(unit, largest);
    const series = kept.map((s, i) => {
      const values: (number | null)[] = xs.map(() => null);
      for (const [t, v] of s.values) {
        const n = sample(v);
        values[at.get(t)!] = n === null ? null : n * factor;
      }
      return { name: s.name, colour: COLOURS[i % COLOURS.length]!, values };
    });
    return { title: panel.title, box, omitted: named.length - kept.length, body: { kind: 'timeseries', xs, series, factor, suffix } };
  });
  const height = Math.max(HEADER_PX, ...panels.map((p) => p.box.top + p.box.height)) + 40;
  const time = (s: number) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return {
    title: input.title,
    header: Object.entries(input.variables).filter(([k]) => !k.startsWith('__') && k !== 'datasource').map(([k, v]) => `${k}: ${v}`).join('    '),
    footer: `${time(input.start)} – ${time(input.end)} UTC · drawn by scripts/render-dashboard.ts from ${input.source} (Trellis's rendering of the dashboard JSON, not Grafana)`,
    height,
    panels,
  };
}

/** JSON safe inside a <script> element: no `<` can close it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The page: uPlot and its stylesheet inlined, the model as JSON, every text set with textContent. */
export function dashboardHtml(input: PageInput, uplot: { script: string; css: string }): string {
  const model = pageModel(input);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>dashboard</title>
<style>${uplot.css}
body { margin: 0; background: #111217; color: #ccccdc; font: 13px Inter, Helvetica, Arial, sans-serif; width: ${PAGE_WIDTH_PX + 32}px; }
#page { position: relative; margin: 0 16px; height: ${model.height}px; }
#title { position: absolute; top: 12px; font-size: 18px; color: #fff; }
#vars { position: absolute; top: 38px; color: #8e8e9e; white-space: pre; }
.panel { position: absolute; box-sizing: border-box; background: #181b1f; border: 1px solid #2c3235; border-radius: 2px; padding: 6px 8px; overflow: hidden; }
.panel h2 { margin: 0 0 4px; font-size: 13px; font-weight: 500; color: #ccccdc; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stat { display: flex; gap: 16px; justify-content: center; align-items: center; height: calc(100% - 24px); }
.stat div { text-align: center; }
.stat .v { font-size: 32px; font-weight: 500; color: #73bf69; }
.stat .n { font-size: 11px; color: #8e8e9e; }
.nodata { color: #8e8e9e; text-align: center; margin-top: 40px; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 11px; }
.legend span::before { content: ''; display: inline-block; width: 14px; height: 3px; margin: 0 5px 3px 0; background: var(--c); }
#footer { position: absolute; bottom: 12px; color: #6e6e7e; font-size: 11px; }
.uplot { font-family: inherit; }
</style></head>
<body><div id="page"><div id="title"></div><div id="vars"></div><div id="footer"></div></div>
<script>${uplot.script}</script>
<script>
const model = ${scriptJson(model)};
const page = document.getElementById('page');
const el = (tag, parent, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; parent.appendChild(e); return e; };
document.getElementById('title').textContent = model.title;
document.getElementById('vars').textContent = model.header;
document.getElementById('footer').textContent = model.footer;
for (const p of model.panels) {
  const div = el('div', page, 'panel');
  Object.assign(div.style, { left: p.box.left + 'px', top: p.box.top + 'px', width: p.box.width + 'px', height: p.box.height + 'px' });
  el('h2', div, '', p.omitted ? p.title + ' (' + p.omitted + ' series not shown)' : p.title);
  const b = p.body;
  if (b.kind === 'stat') {
    const row = el('div', div, 'stat');
    if (!b.values.length) el('div', row, 'nodata', 'No data');
    for (const v of b.values) { const cell = el('div', row); el('div', cell, 'v', v.text); if (b.values.length > 1) el('div', cell, 'n', v.name); }
    continue;
  }
  if (!b.series.length) { el('div', div, 'nodata', 'No data'); continue; }
  const legendRows = Math.ceil(b.series.length / 4);
  const chart = el('div', div);
  new uPlot({
    width: p.box.width - 18,
    height: p.box.height - 34 - legendRows * 16,
    legend: { show: false },
    cursor: { show: false },
    series: [{}, ...b.series.map((s) => ({ label: s.name, stroke: s.colour, width: 1.5, points: { show: false } }))],
    axes: [
      { stroke: '#8e8e9e', grid: { stroke: '#2c3235', width: 1 }, ticks: { stroke: '#2c3235' }, space: 70, values: (u, splits) => splits.map((t) => new Date(t * 1000).toISOString().slice(11, 19)) },
      { stroke: '#8e8e9e', grid: { stroke: '#2c3235', width: 1 }, ticks: { stroke: '#2c3235' }, size: 70, values: (u, splits) => splits.map((v) => (+v.toFixed(6)) + b.suffix) },
    ],
  }, [b.xs, ...b.series.map((s) => s.values)], chart);
  const legend = el('div', div, 'legend');
  for (const s of b.series) el('span', legend, '', s.name).style.setProperty('--c', s.colour);
}
window.renderDone = true;
</script></body></html>`;
}
