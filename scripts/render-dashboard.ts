// `npm run render-dashboard -- <dashboard> --out <file.png> (--prometheus <url> --var name=value ... | --test-mesh <seconds>)`
// Runs each panel's queries of a Grafana dashboard JSON as range queries against a real Prometheus
// and draws them on Grafana's grid in Debian's headless Chromium, as a PNG. Trellis's own rendering,
// not Grafana's: Grafana is not packaged where Trellis is built.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { loadDashboard, panelStepSeconds, queryRange, substitute } from '../test/support/grafana-dashboard.ts';
import { ALERT_RULES, DASHBOARD_VARIABLES, startObservabilityMesh, type ObservabilityMesh } from '../test/support/observability-mesh.ts';
import { dashboardHtml, PAGE_WIDTH_PX, type PanelData } from './dashboard-page.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const USAGE = 'usage: render-dashboard <dashboard name or .json> --out <file.png> (--prometheus <url> [--var name=value ...] | --test-mesh <seconds>) [--range <seconds>] [--scrape-interval <seconds>]';

function fail(message: string): never {
  console.error(`render-dashboard: ${message}\n${USAGE}`);
  process.exit(2);
}

const seconds = (flag: string, text: string, min: number, max: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) fail(`${flag}: whole seconds from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
};

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      prometheus: { type: 'string' },
      var: { type: 'string', multiple: true, default: [] },
      'test-mesh': { type: 'string' },
      range: { type: 'string', default: '300' },
      'scrape-interval': { type: 'string' },
    },
  });
}
try {
  parsed = parse();
} catch (err) {
  fail((err as Error).message);
}
const { values, positionals } = parsed;
const out = values.out ?? '';
if (positionals.length !== 1) fail('name exactly one dashboard');
if (!out.endsWith('.png')) fail('--out must name a .png file');
if (Boolean(values.prometheus) === Boolean(values['test-mesh'])) fail('give either --prometheus or --test-mesh');
const rangeSeconds = seconds('--range', values.range, 60, 7 * 86_400);
const trafficSeconds = values['test-mesh'] ? seconds('--test-mesh', values['test-mesh'], 30, 3600) : 0;
let scrapeIntervalSeconds = values['scrape-interval'] ? seconds('--scrape-interval', values['scrape-interval'], 1, 600) : 15;
const variables: Record<string, string> = {};
for (const assignment of values.var) {
  const m = /^(\w+)=(.*)$/s.exec(assignment);
  if (!m) fail(`--var ${JSON.stringify(assignment)}: expected name=value`);
  variables[m[1]!] = m[2]!;
}
let prometheusUrl = values.prometheus;
if (prometheusUrl && !/^https?:\/\/[^/\s]+\/?$/.test(prometheusUrl)) fail(`--prometheus ${JSON.stringify(prometheusUrl)}: expected http(s)://host:port`);

let dashboard: ReturnType<typeof loadDashboard>;
try {
  dashboard = loadDashboard(positionals[0]!);
} catch (err) {
  fail((err as Error).message);
}

if (values.prometheus) {
  const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\$(\w+)/g)].map((m) => m[1]!))));
  const unset = [...used].filter((name) => name !== '__rate_interval' && variables[name] === undefined);
  if (unset.length) fail(`the dashboard's queries use ${unset.map((n) => `$${n}`).join(', ')}: set ${unset.length > 1 ? 'them' : 'it'} with --var ${unset[0]}=...`);
}

if (!existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

let mesh: ObservabilityMesh | undefined;
const profile = mkdtempSync(path.join(os.tmpdir(), 'trellis-render-'));
try {
  if (trafficSeconds) {
    mesh = await startObservabilityMesh({ ruleFiles: [ALERT_RULES] });
    Object.assign(variables, DASHBOARD_VARIABLES);
    prometheusUrl = mesh.prometheus.url;
    scrapeIntervalSeconds = 1;
    console.log(`test mesh up; traffic for ${trafficSeconds} s`);
    // The picture shows this much traffic: waiting is the input, not a condition.
    await new Promise((r) => setTimeout(r, Math.max(0, mesh!.scrapingSince + trafficSeconds * 1000 - Date.now())));
  }
  const end = Math.floor(Date.now() / 1000);
  const start = end - rangeSeconds;
  const panels: PanelData[] = [];
  for (const panel of dashboard.panels) {
    const stepSeconds = panelStepSeconds(panel, rangeSeconds, scrapeIntervalSeconds);
    // Grafana's $__rate_interval, unless set: at least four scrapes, and a step plus one.
    const panelVariables = { __rate_interval: `${Math.max(stepSeconds + scrapeIntervalSeconds, 4 * scrapeIntervalSeconds)}s`, ...variables };
    const results = [];
    for (const target of panel.targets) results.push((await queryRange(prometheusUrl!.replace(/\/$/, ''), substitute(target.expr, panelVariables), { start, end, stepSeconds })).result);
    panels.push({ panel, results });
  }
  const empty = panels.filter((p) => p.results.every((r) => r.length === 0)).map((p) => p.panel.title);
  if (empty.length) console.warn(`panels without data (drawn as "No data"): ${empty.join(', ')}`);

  const uplotDir = path.dirname(createRequire(import.meta.url).resolve('uplot'));
  const html = dashboardHtml(
    { title: dashboard.title, variables: Object.fromEntries(dashboard.templating.list.filter((v) => v.name !== 'datasource').map((v) => [v.name, variables[v.name] ?? ''])), start, end, source: `docs/grafana/${dashboard.name}.json`, panels },
    { script: readFileSync(path.join(uplotDir, 'uPlot.iife.min.js'), 'utf8'), css: readFileSync(path.join(uplotDir, 'uPlot.min.css'), 'utf8') },
  );
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: PAGE_WIDTH_PX + 32, height: 900 },
    deviceScaleFactor: 1,
    offline: true,
    timeout: 60_000,
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const file = path.join(profile, 'dashboard.html');
    writeFileSync(file, html);
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => (globalThis as { renderDone?: boolean }).renderDone === true, undefined, { timeout: 30_000 }).catch(() => {
      throw new Error(`the page did not finish drawing: ${errors.join('; ') || 'no error reported'}`);
    });
    if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await context.close();
  }
  console.log(`${out}: ${dashboard.panels.length} panels, ${(statSync(out).size / 1024).toFixed(0)} KiB${mesh ? `; ${mesh.sent()} requests sent` : ''}`);
} finally {
  await mesh?.stop();
  rmSync(profile, { recursive: true, force: true });
}
