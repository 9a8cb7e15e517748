import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { startZipkin, type RunningZipkin, type ZipkinSpan } from '../support/zipkin.ts';

const MESH = 'obs';
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

/** Mesh-wide: every request traced at `percent` with the test id as a tag, and logged to stdout. */
const meshTelemetry = (percent: number) => `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec:
  tracing:
    - providers: [{ name: zipkin }]
      randomSamplingPercentage: ${percent}
      customTags:
        ${TAG}: { header: { name: x-test-id, defaultValue: none } }
        mesh: { literal: { value: ${MESH} } }
  accessLogging:
    - providers: [{ name: stdout }]
`;

/** Namespace level, server side: only failed requests are logged, as JSON. */
const errorsOnly = `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: errors-only, namespace: shop }
spec:
  accessLogging:
    - match: { mode: SERVER }
      providers: [{ name: json }]
      filter: { expression: 'response.code >= 500' }
`;

/** Workload level: the gateway keeps tracing every request whatever the mesh-wide rate. */
const gatewayTelemetry = `
apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata: { name: gateway, namespace: ingress }
spec:
  selector: { matchLabels: { istio: ingressgateway } }
  tracing: [{ randomSamplingPercentage: 100 }]
`;

let trellis: TestTrellis;
let zipkin: RunningZipkin;
let app: Upstream;
let server: TestSidecar;
let client: TestSidecar;
let gateway: TestGateway;
let logDir: string;
const stdoutOf = (who: string) => path.join(logDir, `${who}.stdout`);
const accessLog = (who: string) => readFileSync(stdoutOf(who), 'utf8');

const services_ = (trace: ZipkinSpan[]) => new Set(trace.map((s) => s.localEndpoint?.serviceName));

/** The one trace tagged with `id`, once Envoy has flushed its spans (every 5 s at most) and it holds `wanted` services. */
async function traceOf(id: string, wanted: string[]): Promise<ZipkinSpan[]> {
  let found: ZipkinSpan[][] = [];
  await waitFor(async () => {
    found = await zipkin.tracesTagged(TAG, id);
    return found.length === 1 && wanted.every((s) => services_(found[0]!).has(s));
  }, `a trace tagged ${TAG}=${id} with spans of ${wanted.join(' and ')}`, 30_000, 500);
  return found[0]!;
}

/** A GET on a new connection: a connection opened before a listener update keeps the old config. */
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

async function samplingIs(percent: number): Promise<void> {
  for (const [who, sidecar] of [['client', client], ['server', server]] as const) {
    await waitFor(async () => {
      const dump = (await sidecar.envoy.admin('/config_dump?resource=dynamic_listeners')).replace(/\s+/g, '');
      // Proto JSON leaves a zero out: 0% is an empty value.
      return dump.includes(percent === 0 ? '"random_sampling":{}' : `"random_sampling":{"value":${percent}}`) && !dump.includes('"random_sampling":{"value":100}');
    }, `the ${who} sidecar sampling ${percent}%`, 20_000, 100);
  }
}

beforeAll(async () => {
  logDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-telemetry-'));
  [trellis, zipkin, app] = await Promise.all([startTestTrellis(), startZipkin(), startUpstream('backend')]);
  const settings = {
    extensionProviders: [
      { name: 'zipkin', zipkin: { service: '127.0.0.1', port: zipkin.port } },
      { name: 'stdout', envoyFileAccessLog: { path: '/dev/stdout' } },
      { name: 'json', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { labels: { code: '%RESPONSE_CODE%', path: '%REQ(:PATH)%' } } } },
    ],
  };
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, settings)).status).toBe(201);
  await apply(trellis, MESH, `${services}---${meshTelemetry(100)}---${gatewayTelemetry}---${errorsOnly}`);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  [server, client, gateway] = await Promise.all([
    startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'backend', labels: { app: 'backend' }, appPort: app.port, stdoutFile: stdoutOf('server') }),
    startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'web', labels: { app: 'web' }, stdoutFile: stdoutOf('client') }),
    startGateway({ xdsPort, mesh: MESH, namespace: 'ingress', workload: 'ingress-gw', labels: { istio: 'ingressgateway' }, serverPorts: [80], stdoutFile: stdoutOf('gateway') }),
  ]);
  await waitFor(async () => (await get(client.outbound, { host: HOST })).status === 200, 'the client reaching the backend through its sidecar', 30_000, 200).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${client.envoy.logs().slice(-3000)}`, { cause: err });
  });
  await waitFor(async () => (await get(`http://127.0.0.1:${gateway.ports[80]}/`, { host: 'shop.example.com' })).status === 200, 'the gateway reaching the backend', 30_000, 200);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([client?.envoy.stop(), server?.envoy.stop(), gateway?.stop()]);
  await Promise.allSettled([zipkin?.stop(), app?.close(), trellis?.close()]);
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

describe('Telemetry on real Envoys and a real Zipkin', () => {
  // Envoy writes access-log files every 10 s (its default file flush interval).
  it('logs in Istio\'s text format on the client sidecar and the gateway, and only failures as JSON where a CEL filter says so', async () => {
    const ok = randomUUID();
    const failed = randomUUID();
    expect(await freshGet(`${client.outbound}/ok/${ok}`, { host: HOST })).toBe(200);
    app.behave({ status: 503 });
    try {
      expect(await freshGet(`${client.outbound}/failed/${failed}`, { host: HOST })).toBe(503);
    } finally {
      app.behave({ status: 200 });
    }
    await waitFor(() => accessLog('client').includes(ok) && accessLog('client').includes(failed), 'the client sidecar\'s access log lines', 25_000, 200);
    const line = accessLog('client').split('\n').find((l) => l.includes(ok))!;
    // Envoy rewrites a digit of x-request-id to mark the trace decision, so lines are found by their path.
    expect(line).toMatch(new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT[^\\]]+\\] "GET /ok/${ok} HTTP/1.1" 200 - via_upstream - "-" 0 7 \\d+ \\d+ "-" "-" "[0-9a-f-]{36}" "${HOST}" "127\\.0\\.0\\.1:\\d+" outbound\\|80\\|\\|${HOST.replace(/\./g, '\\.')} `));
    await waitFor(() => accessLog('server').includes(failed), 'the server sidecar\'s JSON line for the 503', 25_000, 200);
    expect(JSON.parse(accessLog('server').split('\n').find((l) => l.includes(failed))!)).toEqual({ code: 503, path: `/failed/${failed}` });
    expect(accessLog('server')).not.toContain(ok);
    const viaGateway = randomUUID();
    expect((await get(`http://127.0.0.1:${gateway.ports[80]}/edge/${viaGateway}`, { host: 'shop.example.com' })).status).toBe(200);
    await waitFor(() => accessLog('gateway').includes(viaGateway), 'the gateway access log line', 25_000, 200);
    expect(accessLog('gateway').split('\n').find((l) => l.includes(viaGateway))).toContain(`"GET /edge/${viaGateway} HTTP/1.1" 200`);
  }, 70_000);

  it('sends spans of two sidecar hops to Zipkin as one trace, with the custom tags', async () => {
    const id = randomUUID();
    expect((await get(client.outbound, { host: HOST, 'x-test-id': id })).status).toBe(200);
    const trace = await traceOf(id, ['web.shop', 'backend.shop']);
    expect(new Set(trace.map((s) => s.traceId)).size).toBe(1);
    expect(trace[0]!.traceId).toMatch(/^[0-9a-f]{32}$/);
    const byService = (name: string) => trace.find((s) => s.localEndpoint?.serviceName === name)!;
    // The server's span is the child of the client's: context crossed the hop in the B3 headers.
    expect(byService('backend.shop').parentId ?? byService('backend.shop').id).toBe(byService('web.shop').id);
    for (const span of trace) expect(span.tags).toMatchObject({ [TAG]: id, mesh: MESH });
    // The app saw the propagated context.
    expect(app.received.at(-1)?.headers['x-b3-traceid']).toBe(trace[0]!.traceId);
  });

  it('traces a gateway hop and the sidecar behind it as one trace', async () => {
    const id = randomUUID();
    expect((await get(`http://127.0.0.1:${gateway.ports[80]}/`, { host: 'shop.example.com', 'x-test-id': id })).status).toBe(200);
    const trace = await traceOf(id, ['ingress-gw.ingress', 'backend.shop']);
    expect(new Set(trace.map((s) => s.traceId)).size).toBe(1);
  });

  it('honours a 0% sampling rate: no spans from the sidecars, while the gateway\'s own 100% still traces', async () => {
    await apply(trellis, MESH, meshTelemetry(0));
    await samplingIs(0);
    const quiet = randomUUID();
    for (let i = 0; i < 20; i++) expect(await freshGet(client.outbound, { host: HOST, 'x-test-id': quiet })).toBe(200);
    // Sent after the quiet ones: once its trace is in, Envoy has flushed what it had of the quiet ones too.
    const control = randomUUID();
    expect((await get(`http://127.0.0.1:${gateway.ports[80]}/`, { host: 'shop.example.com', 'x-test-id': control })).status).toBe(200);
    await traceOf(control, ['ingress-gw.ingress', 'backend.shop']);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await zipkin.tracesTagged(TAG, quiet)).toEqual([]);
  }, 90_000);

  it('samples about 25% of 400 requests at 25%: the trace count is within 5 standard deviations of the binomial mean', async () => {
    const N = 400;
    const p = 0.25;
    await apply(trellis, MESH, meshTelemetry(p * 100));
    await samplingIs(p * 100);
    const batch = randomUUID();
    // Each request gets its own x-request-id from the client sidecar, so each is one independent draw.
    // Each on a new connection: a pooled one opened at 100% keeps that config until Envoy drains it.
    for (let i = 0; i < N; i++) expect(await freshGet(client.outbound, { host: HOST, 'x-test-id': batch })).toBe(200);
    const control = randomUUID();
    expect((await get(`http://127.0.0.1:${gateway.ports[80]}/`, { host: 'shop.example.com', 'x-test-id': control })).status).toBe(200);
    await traceOf(control, ['ingress-gw.ingress', 'backend.shop']);
    // The server sidecar follows the client's decision (x-b3-sampled), so a sampled request is one trace of two services.
    let traces: ZipkinSpan[][] = [];
    let previous = -1;
    // Until two reads a flush period apart agree: Envoy flushes every 5 s at most.
    await waitFor(async () => {
      traces = await zipkin.tracesTagged(TAG, batch, 1000);
      const settled = traces.length === previous;
      previous = traces.length;
      return settled;
    }, 'the sampled traces to stop arriving', 60_000, 6_000);
    const mean = N * p;
    const sigma = Math.sqrt(N * p * (1 - p));
    console.info(`sampling 25%: ${traces.length} of ${N} requests traced (expected ${mean} ± ${(5 * sigma).toFixed(1)})`);
    expect(traces.length).toBeGreaterThanOrEqual(Math.ceil(mean - 5 * sigma));
    expect(traces.length).toBeLessThanOrEqual(Math.floor(mean + 5 * sigma));
    for (const trace of traces) expect(services_(trace)).toEqual(new Set(['web.shop', 'backend.shop']));
  }, 150_000);
});
