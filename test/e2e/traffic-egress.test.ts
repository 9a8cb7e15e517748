import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply, clusterNames, eventually, localService } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

// Egress: ServiceEntries for external hosts (DNS and STATIC), the mesh's outbound traffic
// policy (REGISTRY_ONLY answers at once; ALLOW_ANY forwards by Host), and a Sidecar scope.
let trellis: TestTrellis;
let sidecar: TestSidecar;
let partner: Upstream;
let dnsHost: Upstream;
let outside: Upstream;
let orders: Upstream;
let billing: Upstream;

const putMode = async (mode: 'ALLOW_ANY' | 'REGISTRY_ONLY') => {
  const res = await trellis.api('PUT', '/v1/meshes/demo', { outboundTrafficPolicy: { mode } });
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
};

beforeAll(async () => {
  trellis = await startTestTrellis();
  [partner, dnsHost, outside, orders, billing] = await Promise.all([startUpstream('partner'), startUpstream('dns-host'), startUpstream('outside'), startUpstream('orders'), startUpstream('billing')]);
  expect((await trellis.api('PUT', '/v1/meshes/demo', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } })).status).toBe(201);
  await apply(
    trellis,
    'demo',
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: partner, namespace: shop }
spec:
  hosts: [api.partner.example]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http: ${partner.port} } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: loopback-dns, namespace: shop }
spec:
  hosts: [localhost]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{ number: ${dnsHost.port}, name: http, protocol: HTTP }]
---
${localService('shop', 'orders', { v1: orders })}
---
${localService('finance', 'billing', { v1: billing })}
`,
  );
  sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: 'shop', workload: 'web', labels: { app: 'web' } });
  await eventually(async () => (await get(sidecar.outbound, { host: 'api.partner.example' })).status === 200, 'routes to reach Envoy');
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  await Promise.all([partner, dnsHost, outside, orders, billing].map((u) => u?.close()));
});

describe('egress through a real Envoy sidecar', () => {
  it('reaches external hosts declared by STATIC and DNS ServiceEntries', async () => {
    expect(await get(sidecar.outbound, { host: 'api.partner.example' })).toMatchObject({ status: 200, servedBy: 'partner' });
    expect(await get(sidecar.outbound, { host: `localhost:${dnsHost.port}` })).toMatchObject({ status: 200, servedBy: 'dns-host' });
  });

  it('REGISTRY_ONLY: an unknown Host is refused at once with a status and a reason', async () => {
    const t0 = performance.now();
    const r = await get(sidecar.outbound, { host: `127.0.0.1:${outside.port}` });
    // Well under the client's 5 s timeout: refused at once, not left to hang.
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r.status).toBe(404);
    expect(r.body).toContain('REGISTRY_ONLY');
    expect(outside.received).toHaveLength(0);
  });

  it('ALLOW_ANY: an unknown Host is forwarded to that host', async () => {
    await putMode('ALLOW_ANY');
    await eventually(async () => (await get(sidecar.outbound, { host: `127.0.0.1:${outside.port}` })).status === 200, 'passthrough after the mode change');
    expect(await get(`${sidecar.outbound}/x`, { host: `127.0.0.1:${outside.port}` })).toMatchObject({ status: 200, servedBy: 'outside' });
    expect(outside.received.at(-1)?.path).toBe('/x');
    await putMode('REGISTRY_ONLY');
    await eventually(async () => (await get(sidecar.outbound, { host: `127.0.0.1:${outside.port}` })).status === 404, 'blocking again');
  });

  it('a Sidecar egress scope shrinks the clusters the proxy holds', async () => {
    const before = await clusterNames(sidecar.envoy);
    expect(before).toContain('outbound|80||billing.finance.svc.cluster.local');
    await apply(
      trellis,
      'demo',
      `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: web, namespace: shop }
spec:
  workloadSelector: { labels: { app: web } }
  egress: [{ hosts: ["./*"] }]
`,
    );
    await eventually(async () => !(await clusterNames(sidecar.envoy)).has('outbound|80||billing.finance.svc.cluster.local'), 'the scoped cluster list');
    const after = await clusterNames(sidecar.envoy);
    expect(after).toContain('outbound|80||orders.shop.svc.cluster.local');
    expect(after.size).toBeLessThan(before.size);
    // Out of scope means unknown: the mesh is REGISTRY_ONLY, so the Host is refused.
    expect((await get(sidecar.outbound, { host: 'billing.finance.svc.cluster.local' })).status).toBe(404);
    expect(await get(sidecar.outbound, { host: 'orders.shop.svc.cluster.local' })).toMatchObject({ status: 200, servedBy: 'orders' });
  });
});
