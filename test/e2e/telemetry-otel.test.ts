import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startOtelCollector, type OtlpSpan, type RunningCollector } from '../support/otel-collector.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const MESH = 'otel';
const HOST = 'backend.shop.svc.cluster.local';
const TAG = 'test.id';

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
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: ingress }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: [shop.example.com] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop, namespace: shop }
spec:
  hosts: [shop.example.com]
  gateways: [ingress/edge]
  http: [{ route: [{ destination: { host: ${HOST} } }] }]
`;

/** Mesh-wide: every request traced over OTLP/gRPC with the test id as a tag, and logged over OTLP/gRPC in Istio's text format. */
const meshTelemetry = `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec:
  tracing:
    - providers: [{ name: otel }]
      randomSamplingPercentage: 100
      customTags:
        ${TAG}: { header: { name: x-test-id, defaultValue: none } }
  accessLogging:
    - providers: [{ name: als }]
`;

/** Namespace level, server side: failed requests only, as attributes. */
const errorsOnly = `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: errors-only, namespace: shop }
spec:
  accessLogging:
    - match: { mode: SERVER }
      providers: [{ name: als-json }]
      filter: { expression: 'response.code >= 500' }
`;

let trellis: TestTrellis;
let collector: RunningCollector;
let app: Upstream;
let server: TestSidecar;
let client: TestSidecar;
let gateway: TestGateway;

/** The spans of the one trace tagged `id`, once they hold the `wanted` services (Envoy exports every 5 s at most). */
async function traceOf(id: string, wanted: string[]): Promise<OtlpSpan[]> {
  let trace: OtlpSpan[] = [];
  await waitFor(() => {
    trace = collector.spans().filter((s) => s.attributes[TAG] === id);
    return wanted.every((name) => trace.some((s) => s.serviceName === name));
  }, `spans tagged ${TAG}=${id} from ${wanted.join(' and ')}`, 30_000, 250);
  return trace;
}

/** A GET on a new connection. */
function freshGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

beforeAll(async () => {
  [trellis, collector, app] = await Promise.all([startTestTrellis(), startOtelCollector(), startUpstream('backend')]);
  const settings = {
    extensionProviders: [
      { name: 'otel', opentelemetry: { service: '127.0.0.1', port: collector.grpcPort } },
      { name: 'als', envoyOtelAls: { service: '127.0.0.1', port: collector.grpcPort } },
      { name: 'als-json', envoyOtelAls: { service: '127.0.0.1', port: collector.grpcPort, logName: 'errors', logFormat: { labels: { code: '%RESPONSE_CODE%', path: '%REQ(:PATH)%' } } } },
    ],
  };
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, settings)).status).toBe(201);
  await apply(trellis, MESH, `${services}---${meshTelemetry}---${errorsOnly}`);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  [server, client, gateway] = await Promise.all([
    startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'backend', labels: { app: 'backend' }, appPort: app.port }),
    startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'web', labels: { app: 'web' } }),
    // The OpenTelemetry tracer names the service after the canonical-name or app label, as Istio does.
    startGateway({ xdsPort, mesh: MESH, namespace: 'ingress', workload: 'ingress-gw', labels: { istio: 'ingressgateway', app: 'ingress-gw' }, serverPorts: [80] }),
  ]);
  await waitFor(async () => (await get(client.outbound, { host: HOST })).status === 200, 'the client reaching the backend through its sidecar', 30_000, 200).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${client.envoy.logs().slice(-3000)}`, { cause: err });
  });
  await waitFor(async () => (await get(`http://127.0.0.1:${gateway.ports[80]}/`, { host: 'shop.example.com' })).status === 200, 'the gateway reaching the backend', 30_000, 200);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([client?.envoy.stop(), server?.envoy.stop(), gateway?.stop()]);
  await Promise.allSettled([collector?.stop(), app?.close(), trellis?.close()]);
});

describe('Telemetry over OTLP/gRPC to a real OpenTelemetry Collector', () => {
  it('receives the spans of two sidecar hops as one trace, the server span the child of the client span, context in W3C traceparent', async () => {
    const id = randomUUID();
    expect((await get(client.outbound, { host: HOST, 'x-test-id': id })).status).toBe(200);
    const trace = await traceOf(id, ['web.shop', 'backend.shop']);
    expect(new Set(trace.map((s) => s.traceId)).size).toBe(1);
    const traceId = trace[0]!.traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const byService = (name: string) => trace.find((s) => s.serviceName === name)!;
    expect(byService('backend.shop').parentSpanId).toBe(byService('web.shop').spanId);
    // The app behind the server sidecar saw the trace's context.
    const received = app.received.find((r) => r.headers['x-test-id'] === id);
    expect(received?.headers['traceparent']).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('receives a gateway hop and the sidecar behind it as one trace', async () => {
    const id = randomUUID();
    expect((await get(`http://127.0.0.1:${gateway.ports[80]}/`, { host: 'shop.example.com', 'x-test-id': id })).status).toBe(200);
    const trace = await traceOf(id, ['ingress-gw.ingress', 'backend.shop']);
    expect(new Set(trace.map((s) => s.traceId)).size).toBe(1);
  });

  it('receives access logs over OTLP (envoyOtelAls): Istio\'s text line as the body, and only failures as attributes where a CEL filter says so', async () => {
    const ok = randomUUID();
    const failed = randomUUID();
    expect(await freshGet(`${client.outbound}/ok/${ok}`, { host: HOST })).toBe(200);
    app.behave({ status: 503 });
    try {
      expect(await freshGet(`${client.outbound}/failed/${failed}`, { host: HOST })).toBe(503);
    } finally {
      app.behave({ status: 200 });
    }
    const bodies = () => collector.logs().map((r) => r.body ?? '');
    // Envoy's gRPC access logger flushes its buffer every second.
    await waitFor(() => bodies().some((b) => b.includes(`/ok/${ok}`)) && bodies().some((b) => b.includes(`/failed/${failed}`)), 'the client sidecar\'s log records', 30_000, 250);
    const line = bodies().find((b) => b.includes(`/ok/${ok}`))!;
    expect(line).toMatch(new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT[^\\]]+\\] "GET /ok/${ok} HTTP/1.1" 200 - via_upstream - "-" 0 7 \\d+ \\d+ `));
    expect(line).toContain(`outbound|80||${HOST}`);
    await waitFor(() => collector.logs().some((r) => r.attributes['path'] === `/failed/${failed}`), 'the server sidecar\'s record for the 503', 30_000, 250);
    const records = collector.logs().filter((r) => r.attributes['path'] !== undefined);
    expect(records.find((r) => r.attributes['path'] === `/failed/${failed}`)?.attributes).toMatchObject({ code: '503' });
    expect(records.some((r) => r.attributes['path'] === `/ok/${ok}`)).toBe(false);
    // The server side logs only through the filtered provider, so the 200 has no server-side record at all.
    expect(collector.logs().filter((r) => (r.body ?? '').includes(`/ok/${ok}`))).toHaveLength(1);
  }, 70_000);
});
