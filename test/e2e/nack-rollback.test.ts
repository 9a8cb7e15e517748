import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { waitFor } from '../support/ports.ts';
import { REVIEWS_HOST, reviewsServiceYaml } from '../support/reviews-mesh.ts';

const HOST = REVIEWS_HOST;

const services = (v1: Upstream, v2: Upstream) => reviewsServiceYaml(v1.port, v2.port);

const routes = (http: unknown[]) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop' }, spec: { hosts: [HOST], http } });
const toV1 = routes([{ name: 'all', route: [{ destination: { host: HOST, subset: 'v1' } }] }]);
// RE2 accepts this regex; Envoy refuses it (program size above its default limit of 100).
const greedy = routes([
  { name: 'greedy', match: [{ uri: { regex: '/x[a-z]{300}' } }], route: [{ destination: { host: HOST, subset: 'v2' } }] },
  { name: 'rest', route: [{ destination: { host: HOST, subset: 'v2' } }] },
]);

interface Revision {
  revision: number;
  author: string;
  message?: string;
  rollbackTo?: number;
  convergence?: { proxies: number; acked: number; seconds?: number };
}
interface Proxy {
  workload?: string;
  revision?: number;
  types: Record<string, { state: string }>;
}

let trellis: TestTrellis;
let v1: Upstream;
let v2: Upstream;
let sidecars: TestSidecar[] = [];

async function proxies(): Promise<Proxy[]> {
  return ((await trellis.api('GET', '/v1/meshes/demo/proxies')).json as { items: Proxy[] }).items;
}

async function allSynced(atLeast: number): Promise<boolean> {
  const items = await proxies();
  return items.length === 2 && items.every((p) => (p.revision ?? 0) >= atLeast && Object.values(p.types).every((t) => t.state === 'SYNCED'));
}

async function servedBy(sidecar: TestSidecar, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(sidecar.outbound, { host: HOST });
    const key = r.status === 200 ? (r.servedBy ?? '?') : `status-${r.status}`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
  expect((await trellis.api('PUT', '/v1/meshes/demo', { onNack: { action: 'rollback', threshold: 0.5 } })).status).toBe(201);
  expect((await trellis.api('POST', '/v1/meshes/demo/apply', services(v1, v2))).status).toBe(200);
  expect((await trellis.api('PUT', '/v1/meshes/demo/resources/virtualservices/shop/reviews', toV1)).status).toBeLessThan(300);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  sidecars = await Promise.all(['productpage', 'details'].map((workload) => startSidecar({ xdsPort, mesh: 'demo', namespace: 'shop', workload, labels: { app: workload } })));
  for (const s of sidecars) await waitFor(async () => (await get(s.outbound, { host: HOST })).status === 200, 'outbound routing', 15_000, 100);
  await waitFor(() => allSynced(0), 'both proxies SYNCED', 10_000, 50);
}, 60_000);

afterAll(async () => {
  await Promise.all(sidecars.map((s) => s.envoy.stop()));
  await trellis?.close();
  await Promise.all([v1, v2].map((u) => u?.close()));
});

describe('NACK protection with a real Envoy', () => {
  it('rolls back a revision every proxy rejects, as a new revision that says why, and traffic never moves', async () => {
    for (const s of sidecars) s.envoy.expectTrouble({ rejections: true });
    const put = await trellis.api('PUT', '/v1/meshes/demo/resources/virtualservices/shop/reviews', greedy);
    expect(put.status).toBe(200);
    const bad = Number(put.headers.get('x-trellis-revision'));

    let rollback: Revision | undefined;
    await waitFor(async () => {
      const items = ((await trellis.api('GET', '/v1/meshes/demo/revisions')).json as { items: Revision[] }).items;
      rollback = items.find((r) => r.revision > bad && r.author === 'system:nack-protection');
      return rollback !== undefined;
    }, 'the automatic rollback revision', 15_000, 50);
    expect(rollback!.rollbackTo).toBe(bad - 1);
    expect(rollback!.message).toMatch(new RegExp(`^automatic rollback of revision ${bad}: 2/2 proxies rejected it: .*program size`, 'i'));

    // The rejected config never took effect, and the restored one routes as before: all to v1.
    for (const s of sidecars) expect(await servedBy(s, 20)).toEqual({ v1: 20 });
    await waitFor(() => allSynced(rollback!.revision), 'both proxies SYNCED at the rollback revision', 10_000, 50);
    const vs = (await trellis.api('GET', '/v1/meshes/demo/resources/virtualservices/shop/reviews')).json as { spec: { http: { name: string }[] } };
    expect(vs.spec.http.map((h) => h.name)).toEqual(['all']);

    // Convergence of the rollback revision: both proxies acked it.
    await waitFor(async () => {
      const r = (await trellis.api('GET', `/v1/meshes/demo/revisions/${rollback!.revision}`)).json as Revision;
      return r.convergence?.seconds !== undefined;
    }, 'convergence of the rollback revision', 10_000, 50);
    const converged = (await trellis.api('GET', `/v1/meshes/demo/revisions/${rollback!.revision}`)).json as Revision;
    expect(converged.convergence).toMatchObject({ proxies: 2, acked: 2 });
    expect(converged.convergence!.seconds).toBeLessThan(10);

    // Metrics saw it, on the unauthenticated /metrics of the API port.
    const metrics = await (await fetch(`${trellis.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^trellis_xds_nacks_total\{type="rds"\} [1-9]/m);
    expect(metrics).toMatch(/^trellis_nack_rollbacks_total 1$/m);
    expect(metrics).toMatch(/^trellis_xds_connected_proxies\{stream="delta"\} 2$/m);
    expect(metrics).toMatch(/^trellis_proxy_convergence_seconds_count [1-9]/m);
  });
});
