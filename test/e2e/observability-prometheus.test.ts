import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { PROMTOOL_BIN, startPrometheus, type RunningPrometheus } from '../support/prometheus.ts';
import { ROOT } from '../support/tools.ts';
import { runCli } from '../../cli/main.ts';
import { TEST_KEY } from '../support/local-trellis.ts';
import { apply, localService } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const MESH = 'obs';
const FRONTEND = 'frontend.shop.svc.cluster.local';
const REVIEWS = 'reviews.shop.svc.cluster.local';
const RULES = path.join(ROOT, 'docs/prometheus/trellis-alerts.yaml');
const DASHBOARDS = ['trellis-mesh', 'trellis-service', 'trellis-workload'];
/** What each dashboard's variables are set to when its queries are evaluated. */
const VARIABLES: Record<string, string> = { __rate_interval: '1m', namespace: 'shop', service: REVIEWS, workload: 'frontend', datasource: 'prometheus' };
/** Alerts the scenario provokes; the others must stay inactive with data under their threshold. */
const PROVOKED = ['TrellisErrorBudgetBurnFast', 'TrellisErrorBudgetBurnSlow', 'TrellisWorkloadCertificateExpiresSoon', 'TrellisSidecarRestarts', 'TrellisConfigRejected'];
const QUIET = ['TrellisCaCertificateExpiresSoon', 'TrellisSlowConvergence'];

const MANIFESTS = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: frontend, namespace: shop }
spec:
  hosts: [${FRONTEND}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: frontend } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: ${REVIEWS}
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;
const reviewsRoute = (extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${REVIEWS}]
  http:${extra}
    - route: [{ destination: { host: ${REVIEWS}, subset: v1 }, weight: 50 }, { destination: { host: ${REVIEWS}, subset: v2 }, weight: 50 }]
      retries: { attempts: 0 }
`;
/** A route whose regex is over Envoy's program-size limit: Envoy rejects the route configuration (a NACK). */
const GREEDY = `
    - match: [{ uri: { regex: '/x[a-z]{300}' } }]
      route: [{ destination: { host: ${REVIEWS}, subset: v1 } }]`;

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query?: string }[] };
}
interface RuleFile {
  groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
}

let trellis: TestTrellis;
let reviewsV1: Upstream;
let reviewsV2: Upstream;
let frontendApp: http.Server;
let frontend: AgentProcess;
let client: AgentProcess;
let prometheus: RunningPrometheus;
let traffic: Promise<void> | undefined;
let trafficRunning = true;
let sent = 0;

const substitute = (expr: string) => expr.replace(/\$(\w+)/g, (m, name: string) => VARIABLES[name] ?? m);
const call = () => get(`${client.outbound}/`, { host: FRONTEND }).then((r) => r.status, () => 0);

/** The Envoy the agent supervises: its only child process. */
function envoyPidOf(agent: AgentProcess): number {
  const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(agent.pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

beforeAll(async () => {
  trellis = await startTestTrellis({ xdsMtls: true });
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  [reviewsV1, reviewsV2] = await Promise.all([startUpstream('reviews-v1'), startUpstream('reviews-v2')]);
  // One request in four to v2 fails: 12.5% of reviews' requests, far above a 99.9% SLO's burn thresholds.
  reviewsV2.behave({ failEvery: 4 });
  await apply(trellis, MESH, `${MANIFESTS}---\n${localService('shop', 'reviews', { v1: reviewsV1, v2: reviewsV2 })}---\n${reviewsRoute()}`);
  // The frontend app calls reviews through its own sidecar and answers with reviews' status.
  frontendApp = http.createServer((_req, res) => {
    get(`${frontend.outbound}/`, { host: REVIEWS }).then(
      (r) => res.writeHead(r.status).end(r.body),
      () => res.writeHead(502).end(),
    );
  });
  await new Promise<void>((resolve) => frontendApp.listen(0, '127.0.0.1', resolve));
  const token = async (sa: string) => ((await trellis.api('POST', `/v1/meshes/${MESH}/join-tokens`, { namespace: 'shop', serviceAccount: sa, ttlSeconds: 600 })).json as { token: string }).token;
  const common = { apiUrl: trellis.apiUrl, xdsAddress: trellis.xdsAddress };
  const appPort = (frontendApp.address() as { port: number }).port;
  [frontend, client] = await Promise.all([
    // A 15-minute certificate: under the workload-certificate alert's hour from the start.
    startAgentProcess({ ...common, joinToken: await token('frontend'), workload: 'frontend', labels: { app: 'frontend', version: 'v1' }, appPort, args: ['--ttl', '900', '--signals-interval', '1'] }),
    startAgentProcess({ ...common, joinToken: await token('client'), workload: 'client', labels: { app: 'client', version: 'v1' }, args: ['--signals-interval', '1'] }),
  ]);
  await waitFor(async () => [200, 503].includes(await call()), 'a request from client through frontend to reviews', 60_000, 50);
  prometheus = await startPrometheus({
    ruleFiles: [RULES],
    jobs: [
      { job: 'trellis', targets: [new URL(trellis.apiUrl).host], metricsPath: '/metrics' },
      { job: 'trellis-sidecars', targets: [frontend, client].map((a) => `127.0.0.1:${a.metricsPort}`), metricsPath: '/stats/prometheus' },
    ],
  });
  // The counters the alerts watch must be scraped at 0 before the test moves them: a series first seen at 1 shows no increase.
  await waitFor(async () => (await prometheus.query('count_over_time(up[1m]) >= 3')).result.length === 3, 'three scrapes of each target', 30_000, 500);
  // Steady traffic for the rest of the file: about 50 requests/s.
  traffic = (async () => {
    while (trafficRunning) {
      await call();
      sent++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
}, 180_000);

afterAll(async () => {
  trafficRunning = false;
  await traffic;
  await prometheus?.stop();
  await Promise.all([frontend?.stop(), client?.stop()]);
  await trellis?.close();
  await Promise.all([reviewsV1?.close(), reviewsV2?.close()]);
  await new Promise((resolve) => frontendApp?.close(resolve));
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
    const dashboards = DASHBOARDS.map((name) => ({ name, ...(JSON.parse(readFileSync(path.join(ROOT, 'docs/grafana', `${name}.json`), 'utf8')) as Dashboard) }));
    let timings: { dashboard: string; panel: string; ms: number }[] = [];
    let missing: string[] = [];
    const evaluate = async () => {
      timings = [];
      missing = [];
      // Every recording rule has a value per service that had traffic (the client's series restart with its Envoy)
      for (const r of file.groups.flatMap((g) => g.rules).filter((r) => r.record)) {
        const got = await prometheus.query(r.record!);
        const services = got.result.map((x) => x.metric.destination_service).sort();
        if (JSON.stringify(services) !== JSON.stringify([FRONTEND, REVIEWS])) missing.push(`${r.record}: ${JSON.stringify(services)}`);
      }
      for (const dashboard of dashboards) {
        for (const panel of dashboard.panels) {
          for (const target of panel.targets) {
            const expr = substitute(target.expr);
            expect(expr, `${dashboard.name} / ${panel.title}: a variable left unset`).not.toMatch(/\$/);
            const started = performance.now();
            const got = await prometheus.query(expr);
            timings.push({ dashboard: dashboard.name, panel: panel.title, ms: (got.evalSeconds ?? (performance.now() - started) / 1000) * 1000 });
            if (!got.result.some((s) => Number.isFinite(Number(s.value?.[1])))) missing.push(`${dashboard.name} / ${panel.title}: ${expr} -> ${JSON.stringify(got.result)}`);
          }
        }
        for (const variable of dashboard.templating.list.filter((v) => v.query?.startsWith('label_values('))) {
          const m = /^label_values\((.*), (\w+)\)$/.exec(substitute(variable.query!));
          expect(m, variable.query).not.toBeNull();
          const got = await prometheus.query(`count by (${m![2]}) (${m![1]})`);
          if (!got.result.some((s) => s.metric[m![2]!] === VARIABLES[variable.name])) missing.push(`${dashboard.name} variable ${variable.name}: ${JSON.stringify(got.result)}`);
        }
      }
      return missing.length === 0;
    };
    await waitFor(evaluate, 'every dashboard query to return data', 60_000, 2000).catch(() => undefined);
    expect(missing).toEqual([]);
    expect(timings.length).toBeGreaterThan(30);
    const sorted = timings.map((t) => t.ms).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
    console.log(`dashboard queries: ${sorted.length}, Prometheus eval time p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)!.toFixed(2)} ms (slowest: ${timings.sort((a, b) => b.ms - a.ms)[0]!.panel}); ${sent} requests sent`);
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
      return signals.versions.length === 2 && signals.versions.every((v) => v.requests >= 20);
    }, 'signals of both versions of reviews', 60_000, 1000);
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

