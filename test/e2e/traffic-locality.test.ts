import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply, eventually } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

// A sidecar in us-east-1/us-east-1a and two upstreams per service, one in its zone and one in
// us-east-1b: failover by priority (with outlier detection) and distribution by locality weight.
const NS = 'shop';
const host = (name: string) => `${name}.${NS}.svc.cluster.local`;

let trellis: TestTrellis;
let sidecar: TestSidecar;
const up: Record<string, Upstream> = {};

const service = (name: string, near: Upstream, far: Upstream) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: ${NS} }
spec:
  hosts: [${host(name)}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints:
    - { address: 127.0.0.1, ports: { http: ${near.port} }, locality: us-east-1/us-east-1a }
    - { address: 127.0.0.1, ports: { http: ${far.port} }, locality: us-east-1/us-east-1b }
`;

const CONFIG = () => `
${service('cart', up.cartNear!, up.cartFar!)}
---
${service('ratings', up.ratingsNear!, up.ratingsFar!)}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cart, namespace: ${NS} }
spec:
  hosts: [${host('cart')}]
  http: [{ route: [{ destination: { host: ${host('cart')} } }], retries: { attempts: 0 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cart, namespace: ${NS} }
spec:
  host: ${host('cart')}
  trafficPolicy:
    loadBalancer: { localityLbSetting: { enabled: true } }
    outlierDetection: { consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: ${NS} }
spec:
  host: ${host('ratings')}
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute: [{ from: us-east-1/us-east-1a/*, to: { us-east-1/us-east-1b/*: 100 } }]
`;

beforeAll(async () => {
  trellis = await startTestTrellis();
  for (const name of ['cartNear', 'cartFar', 'ratingsNear', 'ratingsFar']) up[name] = await startUpstream(name);
  expect((await trellis.api('PUT', '/v1/meshes/demo', {})).status).toBe(201);
  await apply(trellis, 'demo', CONFIG());
  sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: NS, workload: 'web', labels: { app: 'web' }, locality: 'us-east-1/us-east-1a' });
  await eventually(async () => (await get(sidecar.outbound, { host: host('cart') }, 5000)).status === 200, 'routes to reach Envoy');
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  await Promise.all(Object.values(up).map((u) => u.close()));
});

async function servedBy(service: string, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await get(sidecar.outbound, { host: host(service) });
    const key = `${r.status} ${r.servedBy ?? '-'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('locality load balancing on a real Envoy sidecar', () => {
  it('distributes by locality weight: 100% to the other zone', async () => {
    expect(await servedBy('ratings', 40)).toEqual({ '200 ratingsFar': 40 });
  });

  it('keeps traffic in the local zone, and fails over to the next zone once the local endpoint is ejected', async () => {
    expect(await servedBy('cart', 40)).toEqual({ '200 cartNear': 40 });
    up.cartNear!.behave({ status: 503 });
    // The first 5xx ejects the only priority-0 endpoint; from then on priority 1 serves.
    await eventually(async () => (await get(sidecar.outbound, { host: host('cart') })).servedBy === 'cartFar', 'failover to us-east-1b');
    expect(await servedBy('cart', 40)).toEqual({ '200 cartFar': 40 });
  });
});
