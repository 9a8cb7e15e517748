import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { apply } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

// Connected workloads are live state: rollback, deletes and re-applies of config never take a
// running workload out of its service, and service membership is bound to the identity a
// workload proves with its certificate (xDS mTLS), not to the labels it claims.
const MESH = 'registry';
const TRUST_DOMAIN = `${MESH}.default.trellis.local`;
const WEB = 'web.shop.svc.cluster.local';
const REVIEWS = 'reviews.shop.svc.cluster.local';

const webServiceEntry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: shop }
spec:
  hosts: [${WEB}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: web } }`;

const reviewsConfig = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${REVIEWS}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: reviews } }
  subjectAltNames: [spiffe://${TRUST_DOMAIN}/ns/shop/sa/reviews]
---
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: { name: reviews, namespace: shop }
spec:
  metadata: { labels: { app: reviews } }
  template: { serviceAccount: reviews }`;

let trellis: TestTrellis;
const upstreams: Record<string, Upstream> = {};
const agents: Record<string, AgentProcess> = {};

async function joinToken(serviceAccount: string): Promise<string> {
  const res = await trellis.api('POST', `/v1/meshes/${MESH}/join-tokens`, { namespace: 'shop', serviceAccount, ttlSeconds: 600 });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return (res.json as { token: string }).token;
}

async function agent(name: string, serviceAccount: string, o: { labels?: Record<string, string>; group?: string; app?: Upstream } = {}): Promise<AgentProcess> {
  const started = await startAgentProcess({
    apiUrl: trellis.apiUrl,
    xdsAddress: trellis.xdsAddress,
    joinToken: await joinToken(serviceAccount),
    workload: name,
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.app ? { appPort: o.app.port } : {}),
    ...(o.group ? { args: ['--group', o.group] } : {}),
  });
  agents[name] = started;
  return started;
}

const call = async (host: string) => get(`${agents['client']!.outbound}/`, { host }).catch(() => ({ status: 0, servedBy: undefined, body: '' }));

async function answers(host: string, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await call(host);
    const key = r.status === 200 ? String(r.servedBy) : String(r.status);
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

const revisionCount = async () => ((await trellis.api('GET', `/v1/meshes/${MESH}/revisions`)).json as { items: unknown[] }).items.length;

beforeAll(async () => {
  trellis = await startTestTrellis({ xdsMtls: true });
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  for (const name of ['web', 'reviews', 'forger']) upstreams[name] = await startUpstream(name);
  await apply(trellis, MESH, webServiceEntry);
}, 60_000);

afterAll(async () => {
  const results = await Promise.allSettled(Object.values(agents).map((a) => a.stop()));
  await trellis?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
});

describe('the workload registry: live state that rollback cannot break', () => {
  it('client → web answers before and after a rollback to a revision from before the workloads connected, and after the ServiceEntry is deleted and applied again', async () => {
    const before = await revisionCount();
    await Promise.all([agent('web', 'web', { labels: { app: 'web' }, app: upstreams['web']! }), agent('client', 'client', { labels: { app: 'client' } })]);
    await waitFor(async () => (await call(WEB)).status === 200, 'client → web through both sidecars', 30_000, 100);
    // Connecting wrote no config revision.
    expect(await revisionCount()).toBe(before);
    const workloads = (await trellis.api('GET', `/v1/meshes/${MESH}/workloads`)).json as { items: { name: string; spiffeId?: string }[] };
    // The client serves no port, so it is no endpoint.
    expect(workloads.items.map((w) => w.spiffeId)).toEqual([`spiffe://${TRUST_DOMAIN}/ns/shop/sa/web`]);

    // A later change, then a rollback to the revision from before both workloads connected.
    const firstRevision = before;
    await apply(trellis, MESH, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: shop }
spec:
  hosts: [${WEB}]
  http: [{ route: [{ destination: { host: ${WEB} } }], headers: { response: { set: { x-version: two } } } }]`);
    await waitFor(async () => (await get(`${agents['client']!.outbound}/`, { host: WEB })).status === 200, 'the VirtualService in force', 10_000, 50);
    const rollback = await trellis.api('POST', `/v1/meshes/${MESH}/rollback`, { toRevision: firstRevision });
    expect(rollback.status, JSON.stringify(rollback.json)).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await answers(WEB, 20)).toEqual({ web: 20 });

    // Delete the ServiceEntry: the service is gone. Apply it again: the running workload is its endpoint at once.
    expect((await trellis.api('DELETE', `/v1/meshes/${MESH}/resources/serviceentries/shop/web`)).status).toBeLessThan(300);
    await waitFor(async () => (await call(WEB)).status !== 200, 'web gone with its ServiceEntry', 10_000, 50);
    await apply(trellis, MESH, webServiceEntry);
    await waitFor(async () => (await call(WEB)).status === 200, 'web back with its ServiceEntry', 10_000, 50);
    expect(await answers(WEB, 20)).toEqual({ web: 20 });
  }, 120_000);

  it('a workload proving sa/web cannot serve reviews by claiming its labels, with or without naming its WorkloadGroup; the refusal is in proxy status', async () => {
    await apply(trellis, MESH, reviewsConfig);
    await agent('reviews', 'reviews', { group: 'reviews', labels: { version: 'v1' }, app: upstreams['reviews']! });
    // Claims app=reviews as a plain label; its certificate says sa/web, which subjectAltNames does not list.
    await agent('forger', 'web', { labels: { app: 'reviews', version: 'v1' }, app: upstreams['forger']! });
    // Names the reviews group; its identity is not the group's service account.
    await agent('group-forger', 'web', { group: 'reviews', labels: { app: 'reviews' }, app: upstreams['forger']! });
    await waitFor(async () => (await call(REVIEWS)).status === 200, 'client → reviews', 30_000, 100);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await answers(REVIEWS, 40)).toEqual({ reviews: 40 });
    expect(upstreams['forger']!.received).toEqual([]);

    type Proxies = { items: { workload?: string; registration?: { state: string; group?: string; reason?: string } }[] };
    let proxies: Proxies = { items: [] };
    const of = (workload: string) => proxies.items.find((p) => p.workload === workload)?.registration;
    // An agent is ready before its Envoy's xDS stream has been admitted.
    await waitFor(async () => {
      proxies = (await trellis.api('GET', `/v1/meshes/${MESH}/proxies`)).json as Proxies;
      return of('group-forger') !== undefined && of('reviews') !== undefined;
    }, 'both reviews proxies in proxy status', 30_000, 50);
    expect(of('reviews')).toEqual({ state: 'registered', group: 'shop/reviews' });
    expect(of('group-forger')).toEqual({ state: 'refused', reason: 'identity ns/shop/sa/web is not the service account of WorkloadGroup shop/reviews (reviews)' });
    const workloads = (await trellis.api('GET', `/v1/meshes/${MESH}/workloads`)).json as { items: { name: string; group?: string; labels: Record<string, string> }[] };
    expect(workloads.items.find((w) => w.group === 'shop/reviews')?.labels).toMatchObject({ app: 'reviews', version: 'v1' });
  }, 120_000);
});
