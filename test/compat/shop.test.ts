import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { binomialBounds, eventually } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

// Compatibility: realistic Istio manifests for a shop, applied as written, checked through a real Envoy.
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'shop');
const WORKLOADS = ['frontend', 'catalog-v1', 'catalog-v2', 'cart-1', 'cart-2', 'payments'];

const APPLY = '/v1/meshes/shop/apply?namespace=shop&ignoreUnknownKinds=true';

let trellis: TestTrellis;
let skipped: { kind: string; name: string }[] = [];
let sidecar: TestSidecar;
let gateway: TestGateway;
const up: Record<string, Upstream> = {};

function manifests(): string {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
  const text = files.map((f) => readFileSync(path.join(DIR, f), 'utf8')).join('\n---\n');
  return text.replace(/\{\{port:([a-z0-9-]+)\}\}/g, (_m, name: string) => String(up[name]!.port));
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  for (const name of WORKLOADS) up[name] = await startUpstream(name);
  up['cart-2']!.behave({ status: 503 });
  expect((await trellis.api('PUT', '/v1/meshes/shop', {})).status).toBe(201);
  // Kubernetes objects beside the Istio ones are skipped; objects that name no namespace land in shop.
  const dry = await trellis.api('POST', `${APPLY}&dryRun=true`, manifests());
  expect(dry.status, JSON.stringify(dry.json)).toBe(200);
  const applied = await trellis.api('POST', APPLY, manifests());
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
  skipped = (applied.json as { skipped: { kind: string; name: string }[] }).skipped;
  sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'shop', namespace: 'shop', workload: 'checkout', labels: { app: 'checkout' } });
  gateway = await startGateway({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'shop', namespace: 'shop', workload: 'ingressgateway', labels: { istio: 'ingressgateway' }, serverPorts: [80] });
  await eventually(async () => (await get(sidecar.outbound, { host: 'payments.payments.svc.cluster.local:8443' })).status === 200, 'the shop routes to reach Envoy');
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await gateway?.stop();
  await trellis?.close();
  await Promise.all(Object.values(up).map((u) => u.close()));
});

describe('shop manifests on a real Envoy', () => {
  it('every manifest was stored as written', async () => {
    const res = await trellis.api('GET', '/v1/meshes/shop/resources/virtualservices');
    const names = (res.json as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name).sort();
    expect(names).toEqual(['cart', 'catalog', 'frontend', 'payments', 'storefront']);
  });

  it('skipped the Kubernetes and Gateway API objects and put the namespace-less DestinationRule in shop', async () => {
    expect(skipped.map((s) => `${s.kind}/${s.name}`)).toEqual(['ServiceAccount/frontend', 'Service/frontend', 'Deployment/frontend-v1', 'HTTPRoute/frontend']);
    expect((await trellis.api('GET', '/v1/meshes/shop/resources/destinationrules/shop/frontend')).status).toBe(200);
  });

  it('frontend answers by its short name', async () => {
    expect(await get(sidecar.outbound, { host: 'frontend' })).toMatchObject({ status: 200, servedBy: 'frontend' });
  });

  it('catalog: a 10% canary within binomial bounds, and testers pinned to v2 by header', async () => {
    const n = 300;
    let v2 = 0;
    for (let i = 0; i < n; i++) {
      const r = await get(sidecar.outbound, { host: 'catalog:8080' });
      expect(r.status).toBe(200);
      if (r.servedBy === 'catalog-v2') v2++;
    }
    const { low, high } = binomialBounds(n, 0.1);
    expect(v2).toBeGreaterThanOrEqual(low);
    expect(v2).toBeLessThanOrEqual(high);
    for (let i = 0; i < 10; i++) expect((await get(sidecar.outbound, { host: 'catalog:8080', 'x-canary': 'true' })).servedBy).toBe('catalog-v2');
  });

  it('cart: the circuit breaker ejects the failing instance', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await get(sidecar.outbound, { host: 'cart:8080' })).status);
    expect(statuses.filter((s) => s === 503).length).toBeLessThanOrEqual(3);
    expect(statuses.slice(-20)).toEqual(Array(20).fill(200));
  });

  it('payments: injected aborts and delays only for requests that ask for them', async () => {
    const target = { host: 'payments.payments.svc.cluster.local:8443' };
    for (let i = 0; i < 5; i++) expect((await get(sidecar.outbound, { ...target, 'x-shop-chaos': 'payments-down' })).status).toBe(503);
    const t0 = performance.now();
    expect((await get(sidecar.outbound, { ...target, 'x-shop-chaos': 'payments-slow' })).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(await get(sidecar.outbound, target)).toMatchObject({ status: 200, servedBy: 'payments' });
  });

  it('ingress gateway: the storefront by Host, and /api/catalog rewritten to the catalog', async () => {
    const edge = `http://127.0.0.1:${gateway.ports[80]}`;
    await eventually(async () => (await get(edge, { host: 'shop.example.com' })).status === 200, 'the gateway routes to reach Envoy');
    expect(await get(edge, { host: 'shop.example.com' })).toMatchObject({ status: 200, servedBy: 'frontend' });
    const api = await get(`${edge}/api/catalog/items?page=2`, { host: 'shop.example.com' });
    expect(api.status).toBe(200);
    expect(api.servedBy).toMatch(/^catalog-v[12]$/);
    expect([...up['catalog-v1']!.received, ...up['catalog-v2']!.received].some((r) => r.path === '/items?page=2')).toBe(true);
    expect((await get(edge, { host: 'elsewhere.example.com' })).status).toBe(404);
  });
});
