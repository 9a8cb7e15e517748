import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMetrics } from '../../sidecar/agent/metrics/agent-metrics.ts';
import { mergedScrape } from '../../sidecar/agent/metrics/merged-scrape.ts';
import { readMetricOverrides } from '../../sidecar/agent/metrics/metric-overrides-reader.ts';
import { parsePrometheusText, type MetricFamily } from '../../sidecar/agent/metrics/prometheus-text.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

// Telemetry metrics[].overrides through real Envoys: the xDS server puts each side's overrides in
// its listeners' metadata, and the agent's scrape (run here in-process on the sidecar's admin port)
// reads them from Envoy's config dump and applies them to the Istio metrics it derives.
const MESH = 'metrics';
const HOST = 'backend.shop.svc.cluster.local';

const services = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: backend, namespace: shop }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: backend } }
`;

/** Mesh-wide: no duration histograms on the client side; the namespace removes response_code from request counts. */
const overrides = `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec:
  metrics:
    - providers: [{ name: prometheus }]
      overrides:
        - match: { metric: REQUEST_DURATION, mode: CLIENT }
          disabled: true
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: shop, namespace: shop }
spec:
  metrics:
    - overrides:
        - match: { metric: REQUEST_COUNT }
          tagOverrides: { response_code: { operation: REMOVE } }
`;

let trellis: TestTrellis;
let app: Upstream;
let server: TestSidecar;
let client: TestSidecar;
const logger = pino({ level: 'silent' });
const agent = agentMetrics(() => ({ envoyRestarts: 0, renewals: 0, failures: 0 }));

async function istioFamilies(sidecar: TestSidecar, workload: string): Promise<Map<string, MetricFamily>> {
  const text = await mergedScrape({ envoyAdminPort: sidecar.envoy.adminPort, identity: () => ({ workload, namespace: 'shop', labels: { app: workload } }), agent, logger });
  const parsed = parsePrometheusText(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return new Map(parsed.value.filter((f) => f.name.startsWith('istio_')).map((f) => [f.name, f]));
}

beforeAll(async () => {
  [trellis, app] = await Promise.all([startTestTrellis(), startUpstream('backend')]);
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, { extensionProviders: [{ name: 'prometheus', prometheus: {} }] })).status).toBe(201);
  await apply(trellis, MESH, services);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  [server, client] = await Promise.all([
    startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'backend', labels: { app: 'backend' }, appPort: app.port }),
    startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'web', labels: { app: 'web' } }),
  ]);
  await waitFor(async () => (await get(client.outbound, { host: HOST })).status === 200, 'the client reaching the backend through its sidecar', 30_000, 200);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([client?.envoy.stop(), server?.envoy.stop()]);
  await Promise.allSettled([app?.close(), trellis?.close()]);
});

describe('Telemetry metric overrides on real Envoys', () => {
  it('writes every Istio metric with every tag while no Telemetry overrides them', { timeout: 30_000 }, async () => {
    expect(await readMetricOverrides(client.envoy.adminPort, 5000)).toEqual({});
    let families = new Map<string, MetricFamily>();
    // Envoy publishes histograms at its stats flush (every 5 s).
    await waitFor(async () => (families = await istioFamilies(client, 'web')).has('istio_request_duration_milliseconds'), 'the client\'s duration histogram', 20_000, 500);
    expect(families.get('istio_requests_total')!.samples.every((s) => s.labels['response_code'] !== undefined)).toBe(true);
  });

  it('drops the client side\'s duration histogram and sums request counts without response_code, as the Telemetry levels say', async () => {
    await apply(trellis, MESH, overrides);
    await waitFor(async () => (await readMetricOverrides(client.envoy.adminPort, 5000)).CLIENT !== undefined, 'the client sidecar\'s listeners carrying the overrides', 20_000, 200);
    // The client sidecar has no inbound listener, so only the CLIENT side's overrides.
    expect(await readMetricOverrides(client.envoy.adminPort, 5000)).toEqual({
      CLIENT: { istio_request_duration_milliseconds: { disabled: true }, istio_requests_total: { removeTags: ['response_code'] } },
    });
    app.behave({ status: 503 });
    try {
      expect((await get(client.outbound, { host: HOST })).status).toBe(503);
    } finally {
      app.behave({ status: 200 });
    }
    for (let i = 0; i < 3; i++) expect((await get(client.outbound, { host: HOST })).status).toBe(200);

    const clientSide = await istioFamilies(client, 'web');
    expect(clientSide.has('istio_request_duration_milliseconds')).toBe(false);
    const outbound = clientSide.get('istio_requests_total')!.samples.filter((s) => s.labels['destination_service'] === HOST);
    // 200s and the 503 are one series now: the counts of both codes summed.
    expect(outbound).toHaveLength(1);
    expect(outbound[0]!.labels).not.toHaveProperty('response_code');
    expect(outbound[0]!.value).toBeGreaterThanOrEqual(5);

    // The server side keeps its durations (the histogram override is CLIENT only) and loses response_code too.
    await waitFor(async () => (await readMetricOverrides(server.envoy.adminPort, 5000)).SERVER !== undefined, 'the server sidecar\'s inbound listener carrying the overrides', 20_000, 200);
    const serverSide = await istioFamilies(server, 'backend');
    expect(serverSide.get('istio_request_duration_milliseconds')?.samples.some((s) => s.labels['reporter'] === 'destination')).toBe(true);
    const inbound = serverSide.get('istio_requests_total')!.samples.filter((s) => s.labels['reporter'] === 'destination');
    expect(inbound).toHaveLength(1);
    expect(inbound[0]!.labels).not.toHaveProperty('response_code');
  }, 60_000);
});

describe('--envoy-stats mesh on a sidecar calling 20 services', () => {
  const SERIES_MESH = 'series';
  const hosts = Array.from({ length: 20 }, (_, i) => `svc-${i}.shop.svc.cluster.local`);
  const entries = hosts
    .map((host, i) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: svc-${i}, namespace: shop }
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: backend } }
`)
    .join('---\n');
  const started: TestSidecar[] = [];
  afterAll(async () => {
    await Promise.allSettled(started.map((s) => s.envoy.stop()));
  });

  it('keeps every Istio series and the xDS health counters with a fraction of Envoy\'s own series', async () => {
    expect((await trellis.api('PUT', `/v1/meshes/${SERIES_MESH}`, {})).status).toBe(201);
    await apply(trellis, SERIES_MESH, entries);
    const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
    const [backend, all, mesh] = await Promise.all([
      startSidecar({ xdsPort, mesh: SERIES_MESH, namespace: 'shop', workload: 'backend', labels: { app: 'backend' }, appPort: app.port }),
      startSidecar({ xdsPort, mesh: SERIES_MESH, namespace: 'shop', workload: 'all', labels: { app: 'all' } }),
      startSidecar({ xdsPort, mesh: SERIES_MESH, namespace: 'shop', workload: 'mesh', labels: { app: 'mesh' }, envoyStats: 'mesh' }),
    ]);
    started.push(backend, all, mesh);
    for (const client of [all, mesh]) {
      await waitFor(async () => (await get(client.outbound, { host: hosts[19]! })).status === 200, 'the client reaching the services', 30_000, 200);
      for (const host of hosts) for (let i = 0; i < 3; i++) expect((await get(client.outbound, { host })).status).toBe(200);
    }
    const scrape = async (client: TestSidecar, workload: string) => {
      const parsed = parsePrometheusText(await mergedScrape({ envoyAdminPort: client.envoy.adminPort, identity: () => ({ workload, namespace: 'shop', labels: { app: workload } }), agent, logger }));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      return parsed.value.flatMap((f) => f.samples);
    };
    // Histograms appear at Envoy's stats flush (every 5 s): wait until both show all 20 services' durations.
    const durations = (samples: { name: string; labels: Record<string, string> }[]) => new Set(samples.filter((x) => x.name === 'istio_request_duration_milliseconds_count').map((x) => x.labels['destination_service'])).size;
    let full: Awaited<ReturnType<typeof scrape>> = [];
    let trimmed: Awaited<ReturnType<typeof scrape>> = [];
    await waitFor(async () => {
      [full, trimmed] = [await scrape(all, 'all'), await scrape(mesh, 'mesh')];
      return durations(full) === 20 && durations(trimmed) === 20;
    }, 'the duration histograms of all 20 services on both sidecars', 30_000, 1000);
    const count = (samples: typeof full, prefix: string) => samples.filter((x) => x.name.startsWith(prefix)).length;
    console.info(`series for one sidecar calling 20 services: --envoy-stats all ${full.length} (envoy_* ${count(full, 'envoy_')}, istio_* ${count(full, 'istio_')}), mesh ${trimmed.length} (envoy_* ${count(trimmed, 'envoy_')}, istio_* ${count(trimmed, 'istio_')})`);
    // The same Istio series, but for the workload labels that name each client.
    // Series of the 200s only: while a client waits for its routes, a request may end 503 on one sidecar and not the other.
    const istio = (samples: typeof full) => samples.filter((x) => x.name.startsWith('istio_') && (x.labels['response_code'] ?? '200') === '200').map((x) => `${x.name} ${x.labels['destination_service']} ${x.labels['response_code']} ${x.labels['le'] ?? ''}`).sort();
    expect(istio(trimmed)).toEqual(istio(full));
    expect(count(trimmed, 'envoy_')).toBeLessThan(count(full, 'envoy_') / 3);
    // What the test harness and operators read about xDS health stays.
    const mesh_stats = await mesh.envoy.admin('/stats?filter=update_rejected');
    expect(mesh_stats).toMatch(/cluster_manager\.cds\.update_rejected: 0/);
    expect(mesh_stats).toMatch(/listener_manager\.lds\.update_rejected: 0/);
  }, 120_000);
});

