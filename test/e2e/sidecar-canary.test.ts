import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { waitFor } from '../support/ports.ts';
import { REVIEWS_HOST, reviewsServiceYaml } from '../support/reviews-mesh.ts';
import { startXds } from '../../xds-server/start-xds.ts';
import type { SendEvent } from '../../xds-server/server/index.ts';
import { pino } from 'pino';

const HOST = REVIEWS_HOST;

function serviceYaml(v1: Upstream, v2: Upstream, slow: Upstream): string {
  return `${reviewsServiceYaml(v1.port, v2.port)}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: slow, namespace: shop }
spec:
  hosts: [slow.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http: ${slow.port} } }]
`;
}

const split = (w1: number, w2: number, extra = '') => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: {
    hosts: [HOST],
    http: [
      ...(extra === 'jason' ? [{ name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: HOST, subset: 'v2' } }] }] : []),
      {
        name: 'split',
        route: [
          { destination: { host: HOST, subset: 'v1' }, weight: w1 },
          { destination: { host: HOST, subset: 'v2' }, weight: w2 },
        ],
        ...(extra === 'retries' ? { retries: { attempts: 3, retryOn: '5xx', perTryTimeout: '1s' } } : { retries: { attempts: 0 } }),
      },
    ],
  },
});

let trellis: TestTrellis;
let v1: Upstream;
let v2: Upstream;
let slow: Upstream;
let sidecar: TestSidecar;
async function counts(n: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(sidecar.outbound, { host: HOST, ...headers });
    const key = r.status === 200 ? (r.servedBy ?? '?') : `status-${r.status}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

async function putVs(body: unknown): Promise<number> {
  const res = await trellis.api('PUT', '/v1/meshes/demo/resources/virtualservices/shop/reviews', body);
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
  return Number(res.headers.get('x-trellis-revision'));
}

/** Waits until the sidecar has acked every type at `revision` or later; returns the elapsed ms. */
async function waitForAck(revision: number, started: number): Promise<number> {
  await waitFor(async () => {
    const res = await trellis.api('GET', '/v1/meshes/demo/proxies');
    const items = (res.json as { items: { workload?: string; revision?: number; types: Record<string, { state: string }> }[] }).items;
    const p = items.find((i) => i.workload === 'productpage');
    return !!p && (p.revision ?? 0) >= revision && Object.values(p.types).every((t) => t.state === 'SYNCED');
  }, `proxy ACK of revision ${revision}`, 10_000, 10);
  return performance.now() - started;
}

/**
 * Envoy ACKs a route update once its main thread holds it and hands it to its worker thread after
 * that, so the first request after the ACK can still meet the old routes. Waits (bounded) until five
 * requests in a row are served by `expected`, which the previous routes in each test cannot produce.
 */
async function workerServes(expected: string, headers: Record<string, string> = {}): Promise<void> {
  await waitFor(async () => (await counts(5, headers))[expected] === 5, `the worker thread to route to ${expected}`, 3_000, 0);
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  [v1, v2, slow] = await Promise.all([startUpstream('v1'), startUpstream('v2'), startUpstream('slow')]);
  expect((await trellis.api('PUT', '/v1/meshes/demo', {})).status).toBe(201);
  expect((await trellis.api('POST', '/v1/meshes/demo/apply', serviceYaml(v1, v2, slow))).status).toBe(200);
  await putVs(split(90, 10));
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  sidecar = await startSidecar({ xdsPort, mesh: 'demo', namespace: 'shop', workload: 'productpage', labels: { app: 'productpage' } });
  await waitFor(async () => (await get(sidecar.outbound, { host: HOST })).status === 200, 'outbound listener routing', 15_000, 100);
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  await Promise.all([v1, v2, slow].map((u) => u?.close()));
});

describe('a real Envoy sidecar driven through the REST API', () => {
  it('splits 1,000 requests 90/10 within ±5 points', async () => {
    const seen = await counts(1000);
    expect((seen.v1 ?? 0) + (seen.v2 ?? 0)).toBe(1000);
    expect(seen.v1!).toBeGreaterThanOrEqual(850);
    expect(seen.v1!).toBeLessThanOrEqual(950);
  });

  it('moves every request to v2 after a change to 0/100, and records the time to ACK', async () => {
    const started = performance.now();
    const revision = await putVs(split(0, 100));
    const ms = await waitForAck(revision, started);
    console.log(`API change → Envoy ACK: ${ms.toFixed(0)} ms`);
    await workerServes('v2');
    expect(await counts(100)).toEqual({ v2: 100 });
  });

  it('routes by header: end-user: jason → v2, everyone else → v1', async () => {
    const started = performance.now();
    await waitForAck(await putVs(split(100, 0, 'jason')), started);
    await workerServes('v1', { 'end-user': 'alice' });
    expect(await counts(20, { 'end-user': 'jason' })).toEqual({ v2: 20 });
    expect(await counts(20, { 'end-user': 'alice' })).toEqual({ v1: 20 });
  });

  it('fires a route timeout', async () => {
    slow.behave({ delayMs: 1500 });
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'slow', namespace: 'shop' },
      spec: { hosts: ['slow.shop.svc.cluster.local'], http: [{ route: [{ destination: { host: 'slow.shop.svc.cluster.local' } }], timeout: '200ms', retries: { attempts: 0 } }] },
    };
    const started = performance.now();
    const res = await trellis.api('PUT', '/v1/meshes/demo/resources/virtualservices/shop/slow', vs);
    await waitForAck(Number(res.headers.get('x-trellis-revision')), started);
    // The upstream answers after 1.5 s with 200; a 504 means the 200 ms route timeout fired first.
    const r = await get(sidecar.outbound, { host: 'slow.shop.svc.cluster.local' });
    expect(r.status).toBe(504);
    expect(r.body).toContain('upstream request timeout');
  });

  it("turns a flaky upstream's 503s into 200s with retries", async () => {
    v1.behave({ failEvery: 2 });
    try {
      const started = performance.now();
      await waitForAck(await putVs(split(100, 0)), started);
      const without = await counts(20);
      expect(without['status-503']).toBeGreaterThan(0);
      await waitForAck(await putVs(split(100, 0, 'retries')), performance.now());
      await workerServes('v1');
      expect(await counts(40)).toEqual({ v1: 40 });
    } finally {
      v1.behave({ failEvery: 0 });
    }
  });

  it('reports a config Envoy rejects as NACKED with its message, and keeps routing on the last good config', async () => {
    sidecar.envoy.expectTrouble({ rejections: true });
    // RE2 accepts this regex; Envoy refuses it (program size above its default limit of 100).
    const greedy = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: {
        hosts: [HOST],
        http: [
          { name: 'greedy', match: [{ uri: { regex: `/x[a-z]{300}` } }], route: [{ destination: { host: HOST, subset: 'v2' } }] },
          { name: 'rest', route: [{ destination: { host: HOST, subset: 'v1' } }] },
        ],
      },
    };
    const res = await trellis.api('PUT', '/v1/meshes/demo/resources/virtualservices/shop/reviews', greedy);
    expect(res.status).toBe(200);
    let nack: { state: string; lastNack?: { message: string } } | undefined;
    await waitFor(async () => {
      const list = await trellis.api('GET', '/v1/meshes/demo/proxies');
      const p = (list.json as { items: { workload?: string; types: Record<string, { state: string; lastNack?: { message: string } }> }[] }).items.find((i) => i.workload === 'productpage');
      nack = p?.types.rds;
      return nack?.state === 'NACKED';
    }, 'the NACK in proxy status', 10_000, 50);
    expect(nack!.lastNack!.message).toMatch(/program size/i);
    // The last good config (v1 only, with retries) still serves: nothing goes to v2.
    expect(await counts(20)).toEqual({ v1: 20 });
    // A good change clears the NACK.
    await waitForAck(await putVs(split(100, 0, 'retries')), performance.now());
  });

  it('keeps serving when the xDS server stops, and reconverges by delta without resending unchanged resources', async () => {
    const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
    sidecar.envoy.expectTrouble({ connectionLoss: true });
    await trellis.xds.stop();
    expect(await counts(20)).toEqual({ v1: 20 });

    const sends: SendEvent[] = [];
    const connected: string[] = [];
    const restarted = await startXds({
      store: trellis.store,
      bus: trellis.bus,
      logger: pino({ level: 'silent' }),
      address: `127.0.0.1:${xdsPort}`,
      reconcileIntervalMs: 1000,
      observe: { onSend: (e) => void sends.push(e), onConnect: (e) => void connected.push(e.proxyId) },
    });
    try {
      await waitFor(() => connected.length > 0, 'Envoy to reconnect', 15_000, 50);
      // Envoy presented what it holds; nothing it already has is sent again.
      await new Promise((r) => setTimeout(r, 500));
      expect(sends.flatMap((e) => e.resources)).toEqual([]);
      expect(await counts(20)).toEqual({ v1: 20 });

      // A change after the reconnect sends only what changed.
      const vs = split(50, 50);
      const res = await trellis.api('PUT', '/v1/meshes/demo/resources/virtualservices/shop/reviews', vs);
      expect(res.status).toBe(200);
      await waitFor(() => sends.some((e) => e.resources.length > 0), 'a push', 5_000, 20);
      await new Promise((r) => setTimeout(r, 300));
      const pushed = sends.flatMap((e) => e.resources.map((r) => `${e.typeUrl.split('.').pop()}:${r.name}`));
      // The agent's Envoy speaks delta: the one host that changed (VHDS); its route configuration without hosts did not change.
      expect(pushed).toEqual(['VirtualHost:outbound|http/reviews.shop.svc.cluster.local:9080']);
    } finally {
      await restarted.stop();
    }
  });

});
