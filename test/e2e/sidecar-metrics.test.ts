import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../sidecar/agent/metrics/prometheus-text.ts';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { checkPrometheusText, type CheckedSample } from '../support/prometheus-check.ts';
import { apply, localService } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const MESH = 'obs';
const HOST = 'server.shop.svc.cluster.local';
const ID_SERVER = `spiffe://${MESH}.default.trellis.local/ns/shop/sa/server`;
const ID_CLIENT = `spiffe://${MESH}.default.trellis.local/ns/shop/sa/client`;
const SERVICES = 20;

const MANIFESTS = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: server, namespace: shop }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: server } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: server, namespace: shop }
spec:
  host: ${HOST}
  subsets: [{ name: v1, labels: { version: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: server, namespace: shop }
spec:
  hosts: [${HOST}]
  http: [{ route: [{ destination: { host: ${HOST}, subset: v1 } }], retries: { attempts: 0 } }]
`;

/** The app's own metrics: one family of its own and one that takes a name the proxy uses. */
const APP_METRICS = '# TYPE shop_orders_total counter\nshop_orders_total{kind="book"} 7\n# TYPE istio_requests_total counter\nistio_requests_total{reporter="app"} 99\n';

let trellis: TestTrellis;
let app: Upstream;
let plain: Upstream;
let appMetrics: http.Server;
let appMetricsBody = APP_METRICS;
let server: AgentProcess;
let client: AgentProcess;

/**
 * One scrape on a connection of its own: a pooled keep-alive connection that the agent closes as
 * idle just as the next scrape reuses it fails that scrape ("other side closed"), which
 * Prometheus's client retries and fetch does not.
 */
const scrapeText = (agent: AgentProcess) =>
  new Promise<string>((resolve, reject) => {
    const req = http.get(`http://127.0.0.1:${agent.metricsPort}/stats/prometheus`, { agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
          resolve(Buffer.concat(chunks).toString('utf8'));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('scrape timed out after 10 s')));
    req.on('error', reject);
  });
/** Scrapes and parses with the reference parser (which fails the test on invalid text). */
const scrape = async (agent: AgentProcess) => checkPrometheusText(await scrapeText(agent));
const samplesOf = (samples: CheckedSample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const sum = (samples: CheckedSample[]) => samples.reduce((a, s) => a + s.value, 0);
const call = (host = HOST) => get(`${client.outbound}/`, { host }).then((r) => r.status, () => 0);

beforeAll(async () => {
  trellis = await startTestTrellis({ xdsMtls: true });
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  app = await startUpstream('server');
  plain = await startUpstream('plain');
  const services = Array.from({ length: SERVICES }, (_, i) => localService('shop', `svc-${String(i + 1).padStart(2, '0')}`, { v1: plain })).join('---\n');
  await apply(trellis, MESH, `${MANIFESTS}---\n${services}`);
  appMetrics = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(appMetricsBody));
  await new Promise<void>((resolve) => appMetrics.listen(0, '127.0.0.1', resolve));
  const token = async (sa: string) => ((await trellis.api('POST', `/v1/meshes/${MESH}/join-tokens`, { namespace: 'shop', serviceAccount: sa, ttlSeconds: 600 })).json as { token: string }).token;
  const common = { apiUrl: trellis.apiUrl, xdsAddress: trellis.xdsAddress };
  const appMetricsUrl = `http://127.0.0.1:${(appMetrics.address() as AddressInfo).port}/metrics`;
  [server, client] = await Promise.all([
    startAgentProcess({ ...common, joinToken: await token('server'), workload: 'server', labels: { app: 'server', version: 'v1' }, appPort: app.port, args: ['--app-metrics-url', appMetricsUrl] }),
    startAgentProcess({ ...common, joinToken: await token('client'), workload: 'client', labels: { app: 'client', version: 'v2' } }),
  ]);
  await waitFor(async () => (await call()) === 200, 'a request from client to server through both sidecars', 60_000, 50);
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.stop(), client?.stop()]);
  await trellis?.close();
  await Promise.all([app?.close(), plain?.close()]);
  await new Promise((resolve) => appMetrics?.close(resolve));
});

describe('trellis-agent run --metrics-port: Istio standard metrics from a real Envoy', () => {
  it('counts 20 × 200 and 5 × 503 as istio_requests_total on both sides, with Istio labels, and the duration histogram', async () => {
    // GIVEN what both sidecars reported so far (the warm-up requests)
    const source = { reporter: 'source', destination_service: HOST };
    const destination = { reporter: 'destination', destination_workload: 'server' };
    const count = (s: CheckedSample[], labels: Record<string, string>) => sum(samplesOf(s, 'istio_requests_total', labels));
    const durationCount = (s: CheckedSample[], labels: Record<string, string>) => sum(samplesOf(s, 'istio_request_duration_milliseconds_count', labels));
    /** A scrape whose histograms Envoy has flushed: the same count over more than Envoy's 5 s flush interval. */
    const flushed = async (agent: AgentProcess, labels: Record<string, string>) => {
      for (let previous = durationCount(await scrape(agent), labels); ; ) {
        await new Promise((r) => setTimeout(r, 5500));
        const samples = await scrape(agent);
        if (durationCount(samples, labels) === previous) return samples;
        previous = durationCount(samples, labels);
      }
    };
    const [clientBefore, serverBefore] = await Promise.all([flushed(client, source), flushed(server, destination)]);

    // WHEN the client sends 20 requests the server answers 200, then 5 it answers 503
    for (let i = 0; i < 20; i++) expect(await call()).toBe(200);
    app.behave({ status: 503 });
    for (let i = 0; i < 5; i++) expect(await call()).toBe(503);
    app.behave({ status: 200 });

    // THEN both sides count exactly those requests
    let [clientAfter, serverAfter] = [clientBefore, serverBefore];
    await waitFor(async () => {
      [clientAfter, serverAfter] = [await scrape(client), await scrape(server)];
      return durationCount(clientAfter, source) - durationCount(clientBefore, source) >= 25 && durationCount(serverAfter, destination) - durationCount(serverBefore, destination) >= 25;
    }, 'both duration histograms to count 25 more requests', 20_000, 250);
    expect(durationCount(clientAfter, source) - durationCount(clientBefore, source)).toBe(25);
    expect(durationCount(serverAfter, destination) - durationCount(serverBefore, destination)).toBe(25);
    expect(count(clientAfter, { ...source, response_code: '200' }) - count(clientBefore, { ...source, response_code: '200' })).toBe(20);
    expect(count(clientAfter, { ...source, response_code: '503' }) - count(clientBefore, { ...source, response_code: '503' })).toBe(5);
    expect(count(serverAfter, { ...destination, response_code: '200' }) - count(serverBefore, { ...destination, response_code: '200' })).toBe(20);
    expect(count(serverAfter, { ...destination, response_code: '503' }) - count(serverBefore, { ...destination, response_code: '503' })).toBe(5);

    // AND the labels are Istio's, filled from the cluster name and each sidecar's own identity
    const [source503] = samplesOf(clientAfter, 'istio_requests_total', { ...source, response_code: '503' });
    expect(source503?.labels).toEqual({
      reporter: 'source',
      source_workload: 'client',
      source_workload_namespace: 'shop',
      source_principal: ID_CLIENT,
      source_app: 'client',
      source_version: 'v2',
      destination_workload: 'unknown',
      destination_workload_namespace: 'unknown',
      destination_principal: 'unknown',
      destination_app: 'unknown',
      destination_version: 'v1',
      destination_service: HOST,
      destination_service_name: 'server',
      destination_service_namespace: 'shop',
      request_protocol: 'http',
      response_code: '503',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });
    const [destination503] = samplesOf(serverAfter, 'istio_requests_total', { ...destination, response_code: '503' });
    expect(destination503?.labels).toEqual({
      reporter: 'destination',
      source_workload: 'unknown',
      source_workload_namespace: 'unknown',
      source_principal: 'unknown',
      source_app: 'unknown',
      source_version: 'unknown',
      destination_workload: 'server',
      destination_workload_namespace: 'shop',
      destination_principal: ID_SERVER,
      destination_app: 'server',
      destination_version: 'v1',
      destination_service: 'unknown',
      destination_service_name: 'unknown',
      destination_service_namespace: 'unknown',
      request_protocol: 'http',
      response_code: '503',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });
    // Istio's duration buckets, cumulative, ending in +Inf = _count
    const buckets = samplesOf(clientAfter, 'istio_request_duration_milliseconds_bucket', source);
    expect(buckets.map((b) => b.labels['le'])).toEqual(['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf']);
    expect(buckets.at(-1)?.value).toBe(durationCount(clientAfter, source));
    expect(buckets.every((b, i) => i === 0 || b.value >= buckets[i - 1]!.value)).toBe(true);
    expect(sum(samplesOf(clientAfter, 'istio_request_duration_milliseconds_sum', source))).toBeGreaterThan(0);
    // HTTP clusters report no TCP metrics
    expect(samplesOf(clientAfter, 'istio_tcp_sent_bytes_total')).toEqual([]);
  }, 60_000);

  it("merges Envoy's stats (tagged by service), the agent's own metrics and the app's, dropping an app family whose name the proxy uses", async () => {
    const samples = await scrape(server);
    // Envoy's cluster stats are one family for every service: the host is a label, not part of the name
    const clientSamples = await scrape(client);
    expect(samplesOf(clientSamples, 'envoy_cluster_upstream_rq_total', { destination_service: HOST }).length).toBeGreaterThan(0);
    expect(clientSamples.some((s) => s.name.includes('svc_cluster_local'))).toBe(false);
    // the agent's own metrics
    const status = (await (await fetch(`http://127.0.0.1:${server.readyPort}/status`)).json()) as { certificate: { notAfter: string } };
    expect(samplesOf(samples, 'trellis_agent_certificate_expiry_timestamp_seconds').map((s) => s.value)).toEqual([Math.floor(Date.parse(status.certificate.notAfter) / 1000)]);
    expect(samplesOf(samples, 'trellis_agent_envoy_restarts_total')).toMatchObject([{ value: 0 }]);
    // the app's family is there as the app wrote it; its istio_requests_total is not
    expect(samplesOf(samples, 'shop_orders_total')).toEqual([{ family: 'shop_orders', type: 'counter', name: 'shop_orders_total', labels: { kind: 'book' }, value: 7 }]);
    expect(samplesOf(samples, 'istio_requests_total', { reporter: 'app' })).toEqual([]);
  });

  it('leaves out app metrics that do not parse and counts the failure; the scrape stays valid', async () => {
    const errors = async () => sum(samplesOf(await scrape(server), 'trellis_agent_metrics_scrape_errors_total', { source: 'app' }));
    const before = await errors();
    appMetricsBody = 'shop_orders_total{kind="book} 7\n';
    try {
      const samples = await scrape(server);
      expect(samplesOf(samples, 'shop_orders_total')).toEqual([]);
      expect(samplesOf(samples, 'istio_requests_total').length).toBeGreaterThan(0);
      // A scrape shows the failures before its own (a slow app under load may add its own timeouts).
      expect(await errors()).toBeGreaterThanOrEqual(before + 1);
    } finally {
      appMetricsBody = APP_METRICS;
    }
  });

  it('serves /healthz, refuses other methods and paths', async () => {
    const base = `http://127.0.0.1:${server.metricsPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/stats/prometheus`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/config_dump`)).status).toBe(404);
  });

  it(`one sidecar calling ${SERVICES} services: istio_* series per service and per scrape (measured)`, async () => {
    // WHEN the client calls each of the 20 services 6 times (the first once it is routed)
    for (let i = 1; i <= SERVICES; i++) {
      const host = `svc-${String(i).padStart(2, '0')}.shop.svc.cluster.local`;
      await waitFor(async () => (await call(host)) === 200, `${host} routed`, 20_000, 50);
      for (let n = 0; n < 5; n++) expect(await call(host)).toBe(200);
    }
    let samples: CheckedSample[] = [];
    await waitFor(async () => {
      samples = await scrape(client);
      return samplesOf(samples, 'istio_request_duration_milliseconds_count', { reporter: 'source' }).filter((s) => s.labels['destination_service']?.startsWith('svc-')).length === SERVICES;
    }, 'duration histograms for every service', 20_000, 500);
    // THEN each service has its request counter and histogram, and nothing per endpoint or path
    const perService = samplesOf(samples, 'istio_requests_total', { reporter: 'source', response_code: '200' }).filter((s) => s.labels['destination_service']?.startsWith('svc-'));
    expect(perService.map((s) => s.value)).toEqual(Array(SERVICES).fill(6));
    const text = await scrapeText(client);
    const ours = parsePrometheusText(text);
    expect(ours.ok).toBe(true);
    const istio = samples.filter((s) => s.name.startsWith('istio_'));
    const envoy = samples.filter((s) => s.name.startsWith('envoy_'));
    const agent = samples.filter((s) => s.name.startsWith('trellis_agent_'));
    // Both parsers read the same number of series.
    expect(ours.ok && ours.value.reduce((n, f) => n + f.samples.length, 0)).toBe(samples.length);
    console.info(`one sidecar, ${SERVICES} services called (+1 with 200 and 503): ${samples.length} series in /stats/prometheus (${envoy.length} envoy_*, ${istio.length} istio_*, ${agent.length} trellis_agent_*), ${text.length} bytes`);
    expect(istio.length).toBeLessThan(40 * (SERVICES + 1));
  }, 120_000);
});
