import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDashboard, panelStepSeconds, substitute, type DashboardPanel } from '../test/support/grafana-dashboard.ts';
import { ROOT } from '../test/support/tools.ts';
import { dashboardHtml, formatValue, legendName, pageModel, panelBox, type PageInput } from './dashboard-page.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-dashboard-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const panel = (over: Partial<DashboardPanel>): DashboardPanel => ({ type: 'timeseries', title: 'p', gridPos: { x: 0, y: 0, w: 12, h: 8 }, targets: [{ expr: 'up', legendFormat: '{{instance}}' }], ...over });
const input = (panels: PageInput['panels']): PageInput => ({ title: 'T', variables: { service: 'reviews' }, start: 1_000, end: 1_060, source: 'docs/grafana/x.json', panels });
const writeJson = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('a dashboard page', () => {
  it('lays panels out on Grafana\'s 24-column grid, 38 px per row unit', () => {
    expect(panelBox({ x: 12, y: 4, w: 12, h: 8 })).toEqual({ left: 800, top: 64 + 4 * 38, width: 792, height: 8 * 38 - 8 });
    expect(panelBox({ x: 0, y: 0, w: 24, h: 1 })).toMatchObject({ left: 0, width: 1592, height: 30 });
  });

  it('names series by the legend format, as Grafana does, and shortens long names', () => {
    expect(legendName('{{source_workload}}.{{ source_workload_namespace }}', { source_workload: 'frontend', source_workload_namespace: 'shop' })).toBe('frontend.shop');
    expect(legendName('{{missing}} calls', {})).toBe(' calls');
    expect(legendName(undefined, { a: '1', b: '2' })).toBe('{a="1", b="2"}');
    expect(legendName('{{x}}', { x: 'y'.repeat(500) })).toHaveLength(120);
  });

  it('shows values in the panel\'s unit', () => {
    expect(formatValue(0.8734, 'percentunit')).toBe('87.3%');
    expect(formatValue(36.61, 'reqps')).toBe('36.6 req/s');
    expect(formatValue(0.257, 'ms')).toBe('0.26 ms');
    expect(formatValue(2500, 'ms')).toBe('2.50 s');
    expect(formatValue(900, 's')).toBe('15.0 min');
    expect(formatValue(365 * 86_400, 's')).toBe('365 days');
    expect(formatValue(3, undefined)).toBe('3.00');
  });

  it('draws NaN and Inf as gaps, a stat as its last finite value, and no data as "No data"', () => {
    const model = pageModel(input([
      { panel: panel({ fieldConfig: { defaults: { unit: 'percentunit' } } }), results: [[{ metric: { instance: 'a' }, values: [[1000, '0.5'], [1001, 'NaN'], [1002, '+Inf']] }, { metric: { instance: 'b' }, values: [[1001, '1']] }]] },
      { panel: panel({ type: 'stat', fieldConfig: { defaults: { unit: 'ms' } } }), results: [[{ metric: {}, values: [[1000, '4'], [1001, '5'], [1002, 'NaN']] }]] },
      { panel: panel({ type: 'stat' }), results: [[]] },
    ]));
    expect(model.panels[0]!.body).toMatchObject({ kind: 'timeseries', xs: [1000, 1001, 1002], suffix: '%', series: [{ name: 'a', values: [50, null, null] }, { name: 'b', values: [null, 100, null] }] });
    expect(model.panels[1]!.body).toEqual({ kind: 'stat', values: [{ name: '', text: '5.00 ms' }] });
    expect(model.panels[2]!.body).toEqual({ kind: 'stat', values: [] });
  });

  it('draws at most 20 series a panel and says how many it left out', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ metric: { instance: `i${i}` }, values: [[1000, '1']] as [number, string][] }));
    const model = pageModel(input([{ panel: panel({}), results: [many] }]));
    expect(model.panels[0]!.omitted).toBe(5);
    expect((model.panels[0]!.body as { series: unknown[] }).series).toHaveLength(20);
  });

  it('carries hostile label values and titles as data that cannot close its script', () => {
    const hostile = '</script><script>window.owned=1</script><!--';
    const html = dashboardHtml(input([{ panel: panel({ title: hostile }), results: [[{ metric: { instance: hostile }, values: [[1000, '1']] }]] }]), { script: '', css: '' });
    expect(html).not.toContain('</script><script>window.owned');
    expect(html).toContain('\\u003c/script>\\u003cscript>window.owned=1');
    // Every text reaches the page through textContent, never innerHTML.
    expect(html).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
  });
});

describe('reading a dashboard', () => {
  it('reads Trellis\'s dashboards', () => {
    for (const name of ['trellis-mesh', 'trellis-service', 'trellis-workload', 'trellis-dashboard']) expect(loadDashboard(name).panels.length, name).toBeGreaterThan(5);
  });

  it('refuses files that are missing, not JSON, oversized or not a dashboard, naming the field', () => {
    expect(() => loadDashboard(path.join(dir, 'nothing.json'))).toThrow(/no such dashboard/);
    expect(() => loadDashboard(writeJson('bad.json', '{"panels": ['))).toThrow(/bad\.json: not JSON/);
    expect(() => loadDashboard(writeJson('big.json', `{"title":"${'x'.repeat(6 * 1024 * 1024)}"}`))).toThrow(/over the 5242880-byte limit/);
    expect(() => loadDashboard(writeJson('array.json', '[]'))).toThrow(/the top level is not an object/);
    const off = { title: 't', templating: { list: [{ name: 's' }] }, panels: [{ title: 'p', type: 'stat', gridPos: { x: 20, y: 0, w: 8, h: 4 }, targets: [{ expr: 'up' }] }, { title: 3, type: 'stat', gridPos: { x: 0, y: 0, w: 1, h: 1 }, targets: [{}] }] };
    expect(() => loadDashboard(writeJson('off.json', JSON.stringify(off)))).toThrow(/panels\[0\]\.gridPos: .*panels\[1\]\.title: not a string; panels\[1\]\.targets: not a list of \{ expr \}/);
  });

  it('fills variables in and refuses a query with one unset', () => {
    expect(substitute('x{s="$service"}[$__rate_interval]', { service: 'reviews', __rate_interval: '1m' })).toBe('x{s="reviews"}[1m]');
    expect(() => substitute('x{s="$service"}', {})).toThrow('variable $service is not set');
  });

  it('steps a range query as Grafana does: the range over the panel\'s pixels, never under the scrape interval', () => {
    expect(panelStepSeconds(panel({ gridPos: { x: 0, y: 0, w: 8, h: 8 } }), 300, 1)).toBe(1);
    expect(panelStepSeconds(panel({ gridPos: { x: 0, y: 0, w: 8, h: 8 } }), 86_400, 1)).toBe(163);
    expect(panelStepSeconds(panel({}), 300, 15)).toBe(15);
  });
});

describe('render-dashboard', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/render-dashboard.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('refuses bad arguments with exit 2 and says which, before starting anything', () => {
    for (const [args, message] of [
      [['trellis-service', '--out', 'x.png'], 'give either --prometheus or --test-mesh'],
      [['trellis-service', '--out', 'x.jpg', '--test-mesh', '60'], '--out must name a .png file'],
      [['trellis-service', '--out', 'x.png', '--prometheus', 'http://127.0.0.1:9', '--range', '1e9'], '--range: whole seconds from 60 to 604800'],
      [['trellis-service', '--out', 'x.png', '--prometheus', 'file:///etc/passwd'], 'expected http(s)://host:port'],
      [['trellis-service', '--out', 'x.png', '--prometheus', 'http://127.0.0.1:9', '--var', 'no-equals'], 'expected name=value'],
      [['a', 'b', '--out', 'x.png', '--test-mesh', '60'], 'name exactly one dashboard'],
      [['trellis-workload', '--out', 'x.png', '--prometheus', 'http://127.0.0.1:9', '--var', 'namespace=shop'], "the dashboard's queries use $workload: set it with --var workload=..."],
      [[writeJson('top-level-array.json', '[]'), '--out', 'x.png', '--prometheus', 'http://127.0.0.1:9'], 'not a Grafana dashboard this tool reads'],
      [['trellis-service', '--out', 'x.png', '--test-mesh', '60', '--bogus'], "Unknown option '--bogus'"],
    ] as const) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  }, 120_000);
});
