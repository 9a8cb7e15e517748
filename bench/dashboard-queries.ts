// Dashboard query times: the set-up of test/e2e/observability-prometheus.test.ts (two real sidecars with
// Envoy, ~50 requests/s, Debian's Prometheus scraping every second) runs for --window seconds; then
// every panel query of the mesh, service and workload dashboards runs --rounds times, as an instant
// query and as a range query over the window at the panel's step, one query at a time.
import { parseArgs } from 'node:util';
import { loadDashboard, SERVICE_DASHBOARDS, summarizeQueryTimings, timeDashboardQueries, type QueryTiming } from '../test/support/grafana-dashboard.ts';
import { ALERT_RULES, DASHBOARD_VARIABLES, startObservabilityMesh } from '../test/support/observability-mesh.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { window: { type: 'string', default: '300' }, rounds: { type: 'string', default: '5' } },
});
const windowSeconds = Number(values.window);
const rounds = Number(values.rounds);
if (!Number.isInteger(windowSeconds) || windowSeconds < 30 || windowSeconds > 3600) throw new Error('--window: whole seconds, 30 to 3600');
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error('--rounds: 1 to 100');

const dashboards = SERVICE_DASHBOARDS.map((name) => loadDashboard(name));
const mesh = await startObservabilityMesh({ ruleFiles: [ALERT_RULES] });
try {
  console.log(`traffic for ${windowSeconds} s before measuring`);
  // The time to fill the window is the measurement's input, not a wait for a condition.
  await new Promise((r) => setTimeout(r, Math.max(0, mesh.scrapingSince + windowSeconds * 1000 - Date.now())));
  const tsdb = (await (await fetch(`${mesh.prometheus.url}/api/v1/status/tsdb`)).json()) as { data: { headStats: { numSeries: number } } };
  const timings: QueryTiming[] = [];
  for (let i = 0; i < rounds; i++) timings.push(...(await timeDashboardQueries(mesh.prometheus, dashboards, DASHBOARD_VARIABLES, { rangeSeconds: windowSeconds, scrapeIntervalSeconds: 1 })));
  const empty = [...new Set(timings.filter((t) => t.series === 0).map((t) => `${t.dashboard} / ${t.panel} (${t.kind})`))];
  console.log(`${rounds} rounds over ${windowSeconds} s of data at a 1 s scrape interval; Prometheus holds ${tsdb.data.headStats.numSeries} series; ${mesh.sent()} requests sent`);
  for (const line of summarizeQueryTimings(timings)) console.log(line);
  if (empty.length) {
    console.error(`queries that returned no series (their times are not representative): ${empty.join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  await mesh.stop();
}
