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
