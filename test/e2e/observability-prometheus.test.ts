import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { AgentProcess } from '../support/agent-process.ts';
import { loadDashboard, SERVICE_DASHBOARDS, substitute, summarizeQueryTimings, timeDashboardQueries } from '../support/grafana-dashboard.ts';
import { TEST_KEY, type TestTrellis } from '../support/local-trellis.ts';
import { ALERT_RULES as RULES, DASHBOARD_VARIABLES as VARIABLES, FRONTEND, OBSERVABILITY_MESH as MESH, REVIEWS, reviewsRoute, startObservabilityMesh, type ObservabilityMesh } from '../support/observability-mesh.ts';
import { waitFor } from '../support/ports.ts';
import { PROMTOOL_BIN, type RunningPrometheus } from '../support/prometheus.ts';
import { runCli } from '../../cli/main.ts';
import { apply } from '../support/traffic.ts';

/** Alerts the scenario provokes; the others must stay inactive with data under their threshold. */
const PROVOKED = ['TrellisErrorBudgetBurnFast', 'TrellisErrorBudgetBurnSlow', 'TrellisWorkloadCertificateExpiresSoon', 'TrellisSidecarRestarts', 'TrellisConfigRejected'];
const QUIET = ['TrellisCaCertificateExpiresSoon', 'TrellisSlowConvergence'];

/** A route whose regex is over Envoy's program-size limit: Envoy rejects the route configuration (a NACK). */
const GREEDY = `
    - match: [{ uri: { regex: '/x[a-z]{300}' } }]
      route: [{ destination: { host: ${REVIEWS}, subset: v1 } }]`;

interface RuleFile {
  groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
}

let mesh: ObservabilityMesh;
let trellis: TestTrellis;
let frontend: AgentProcess;
let client: AgentProcess;
let prometheus: RunningPrometheus;

/** The Envoy the agent supervises: its only child process. */
function envoyPidOf(agent: AgentProcess): number {
  const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(agent.pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

beforeAll(async () => {
  mesh = await startObservabilityMesh({ ruleFiles: [RULES] });
  ({ trellis, frontend, client, prometheus } = mesh);
}, 180_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('dashboards and alert rules on a real Prometheus scraping real sidecars', () => {
  it('promtool accepts the rule file', () => {
    const out = execFileSync(PROMTOOL_BIN, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS: 11 rules found');
  });

  it('provoked alerts become active, the others stay inactive on data, and every dashboard panel query returns data', async () => {
    // GIVEN a NACK (a route Envoy refuses), a revision that converges, and an Envoy killed under its agent
    for (const agent of [frontend, client]) agent.expectTrouble({ rejections: true });
    await apply(trellis, MESH, reviewsRoute(GREEDY));
    await waitFor(async () => JSON.stringify((await trellis.api('GET', `/v1/meshes/${MESH}/proxies`)).json).includes('"lastNack"'), 'a proxy to NACK the route', 30_000, 200);
    await apply(trellis, MESH, reviewsRoute());
    const envoyPid = envoyPidOf(client);
    process.kill(envoyPid, 'SIGKILL');
    await waitFor(() => envoyPidOf(client) !== envoyPid, 'the agent to start Envoy again', 30_000, 200);

    // THEN every alert provoked is pending or firing, and every rule evaluates without error
    let rules: Awaited<ReturnType<RunningPrometheus['rules']>> = [];
    await waitFor(async () => {
      rules = await prometheus.rules();
      return PROVOKED.every((name) => ['pending', 'firing'].includes(rules.find((r) => r.name === name)?.state ?? ''));
    }, `alerts ${PROVOKED.join(', ')} to become active`, 120_000, 1000).catch(async (err: Error) => {
      throw new Error(`${err.message}\nrules: ${JSON.stringify(rules.map((r) => [r.name, r.state, r.health, r.lastError]))}\ndown targets: ${JSON.stringify(await prometheus.downTargets())}\nrestarts: ${JSON.stringify((await prometheus.query('trellis_agent_envoy_restarts_total')).result)}\nnacks: ${JSON.stringify((await prometheus.query('trellis_xds_nacks_total')).result)}\n${prometheus.logs()}`);
    });
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
    const file = parseYaml(readFileSync(RULES, 'utf8')) as RuleFile;
    const alerts = file.groups.flatMap((g) => g.rules).filter((r) => r.alert).map((r) => r.alert);
    expect([...alerts].sort()).toEqual([...PROVOKED, ...QUIET].sort());

    // AND the alerts not provoked are inactive while what they compare has data
    for (const name of QUIET) {
      const rule = rules.find((r) => r.name === name);
      expect(rule?.state, name).toBe('inactive');
      const signal = rule!.query.replace(/\s*[<>]=?\s*[\d.\s*()]+$/, '');
      expect(signal, name).not.toBe(rule!.query);
      expect((await prometheus.query(signal)).result.length, `${name}: ${signal}`).toBeGreaterThan(0);
    }
    // AND every recording rule, panel query and variable query returns data (Envoy flushes its histograms every 5 s: retried until then)
    const dashboards = SERVICE_DASHBOARDS.map((name) => loadDashboard(name));
    let missing: string[] = [];
    let panelQueries = 0;
    const evaluate = async () => {
      missing = [];
      panelQueries = 0;
      // Every recording rule has a value per service that had traffic (the client's series restart with its Envoy)
      for (const r of file.groups.flatMap((g) => g.rules).filter((r) => r.record)) {
        const got = await prometheus.query(r.record!);
        const services = got.result.map((x) => x.metric.destination_service).sort();
        if (JSON.stringify(services) !== JSON.stringify([FRONTEND, REVIEWS])) missing.push(`${r.record}: ${JSON.stringify(services)}`);
      }
      for (const dashboard of dashboards) {
        for (const panel of dashboard.panels) {
          for (const target of panel.targets) {
            const expr = substitute(target.expr, VARIABLES);
            const got = await prometheus.query(expr);
            panelQueries++;
            if (!got.result.some((s) => Number.isFinite(Number(s.value?.[1])))) missing.push(`${dashboard.name} / ${panel.title}: ${expr} -> ${JSON.stringify(got.result)}`);
          }
        }
        for (const variable of dashboard.templating.list.filter((v) => v.query?.startsWith('label_values('))) {
          const m = /^label_values\((.*), (\w+)\)$/.exec(substitute(variable.query!, VARIABLES));
          expect(m, variable.query).not.toBeNull();
          const got = await prometheus.query(`count by (${m![2]}) (${m![1]})`);
          if (!got.result.some((s) => s.metric[m![2]!] === VARIABLES[variable.name])) missing.push(`${dashboard.name} variable ${variable.name}: ${JSON.stringify(got.result)}`);
        }
      }
      return missing.length === 0;
    };
    await waitFor(evaluate, 'every dashboard query to return data', 60_000, 2000).catch(() => undefined);
    expect(missing).toEqual([]);
    expect(panelQueries).toBeGreaterThan(30);

    // AND how long each query takes there, instant and over the whole time Prometheus has scraped at each panel's step (printed, a measurement)
    const rangeSeconds = Math.floor((Date.now() - mesh.scrapingSince) / 1000);
    const timings = await timeDashboardQueries(prometheus, dashboards, VARIABLES, { rangeSeconds, scrapeIntervalSeconds: 1 });
    expect(timings.filter((t) => t.kind === 'range' && t.series === 0).map((t) => `${t.dashboard} / ${t.panel}`)).toEqual([]);
    console.log([`dashboard queries over ${rangeSeconds} s of data; ${mesh.sent()} requests sent`, ...summarizeQueryTimings(timings)].join('\n'));
  }, 240_000);
});

interface Signals {
  host: string;
  reporters: number;
  total: { requests: number; successRate: number | null };
  versions: { version: string; requests: number; requestsPerSecond: number; successRate: number | null; latencyMs: { p50: number; p95: number; p99: number } | null }[];
}

describe('golden signals in the control plane, reported by the agents', () => {
  it('serves requests/s, success rate and latency quantiles per version of reviews', async () => {
    let signals: Signals | undefined;
    await waitFor(async () => {
      const res = await trellis.api('GET', `/v1/meshes/${MESH}/services/shop/reviews/signals?window=60`);
      expect(res.status).toBe(200);
      signals = res.json as Signals;
      // Envoy's histograms reach the agent at its stats flush, after the request counters: wait for both.
      return signals.versions.length === 2 && signals.versions.every((v) => v.requests >= 20 && v.latencyMs !== null);
    }, 'signals (counts and latency) of both versions of reviews', 60_000, 1000);
    expect(signals!.host).toBe(REVIEWS);
    expect(signals!.reporters).toBe(1);
    const [v1, v2] = signals!.versions;
    expect(v1).toMatchObject({ version: 'v1', successRate: 1 });
    // v2 fails one request in four, counted where the frontend's sidecar saw it
    expect(v2!.version).toBe('v2');
    expect(v2!.successRate).toBeGreaterThan(0.6);
    expect(v2!.successRate).toBeLessThan(0.9);
    for (const v of [v1!, v2!]) {
      expect(v.requestsPerSecond).toBeCloseTo(v.requests / 60);
      expect(v.latencyMs!.p50).toBeGreaterThan(0);
      expect(v.latencyMs!.p50).toBeLessThanOrEqual(v.latencyMs!.p95);
      expect(v.latencyMs!.p95).toBeLessThanOrEqual(v.latencyMs!.p99);
    }
    // The same full name, and a service no one called: zero, not an error
    expect(((await trellis.api('GET', `/v1/meshes/${MESH}/services/shop/${REVIEWS}/signals`)).json as Signals).host).toBe(REVIEWS);
    expect(((await trellis.api('GET', `/v1/meshes/${MESH}/services/shop/nobody/signals`)).json as Signals).total).toMatchObject({ requests: 0, successRate: null });
  });

  it('trellis top prints one row per version and the total, as a table and as JSON', async () => {
    const run = async (...args: string[]) => {
      let out = '';
      let err = '';
      const io = { stdout: { write: (t: string) => (out += t), isTTY: false }, stderr: { write: (t: string) => (err += t) }, env: { TRELLIS_URL: trellis.apiUrl, TRELLIS_API_KEY: TEST_KEY, TRELLIS_MESH: MESH, NO_COLOR: '1' } };
      const code = await runCli(['top', ...args], io);
      return { code, out, err };
    };
    const table = await run('reviews', '-n', 'shop', '--window', '120');
    expect(table.code, table.err).toBe(0);
    const lines = table.out.trim().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+VERSION\s+RPS\s+SUCCESS\s+P50\s+P95\s+P99$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([[REVIEWS, 'v1'], [REVIEWS, 'v2'], [REVIEWS, '(all)']]);
    expect(lines[1]).toContain('100.00%');
    const json = await run('reviews', 'nobody', '-n', 'shop', '-o', 'json');
    expect((JSON.parse(json.out) as { items: Signals[] }).items.map((s) => [s.host, s.total.requests > 0])).toEqual([[REVIEWS, true], ['nobody.shop.svc.cluster.local', false]]);
    expect((await run('reviews', '--window', '5')).code).not.toBe(0);
  });

  it('refuses bogus queries and reports that are unsigned, forged, oversized or malformed', async () => {
    for (const [query, status] of [['services/shop/reviews/signals?window=5', 400], ['services/shop/reviews/signals?window=1e3', 400], ['services/other/reviews.shop.svc.cluster.local/signals', 400], ['services/shop/Bad_Host/signals', 400], [`services/shop/${'a'.repeat(300)}/signals`, 400]] as const) {
      expect((await trellis.api('GET', `/v1/meshes/${MESH}/${query}`)).status, query).toBe(status);
    }
    const url = `${trellis.apiUrl}/v1/meshes/${MESH}/signals/reports`;
    const post = (authorization: string | undefined, body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { ...(authorization ? { authorization } : {}), 'content-type': type }, body }).then((r) => r.status);
    expect(await post(undefined, '{"services":[]}')).toBe(401);
    // An API key is no workload identity
    expect(await post('Bearer e2e-admin-key-0123456789abcdef', '{"services":[]}')).toBe(401);
    expect(await post('TrellisCert chain=AAAA, ts=1, sig=AAAA', '{"services":[]}')).toBe(401);
    expect(await post('TrellisCert chain=AAAA, ts=1, sig=AAAA', 'x'.repeat(300 * 1024))).toBe(413);
    expect(await post('TrellisCert chain=AAAA, ts=1, sig=AAAA', '{}', 'text/plain')).toBe(415);
  });
});

