import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply, binomialBounds, clusterStat, eventually, localService } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

// One Trellis, one client sidecar, and local upstreams for fault injection, mirroring,
// consistent hashing, outlier detection and connection-pool overflow.
const NS = 'shop';
const host = (name: string) => `${name}.${NS}.svc.cluster.local`;

let trellis: TestTrellis;
let sidecar: TestSidecar;
const up: Record<string, Upstream> = {};

const CONFIG = () => `
${localService(NS, 'ratings', { v1: up.ratings! })}
---
${localService(NS, 'reviews', { v1: up.reviews! })}
---
${localService(NS, 'shadow', { v1: up.shadow! })}
---
${localService(NS, 'cart', { a: up.cartA!, b: up.cartB!, c: up.cartC! })}
---
${localService(NS, 'flaky', { good: up.good!, bad: up.bad! })}
---
${localService(NS, 'slow', { v1: up.slow! })}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings, namespace: ${NS} }
spec:
  hosts: [${host('ratings')}]
  http:
    - match: [{ headers: { x-chaos: { exact: "on" } } }]
      fault:
        delay: { fixedDelay: 60ms, percentage: { value: 40 } }
        abort: { httpStatus: 418, percentage: { value: 25 } }
      route: [{ destination: { host: ${host('ratings')} } }]
      retries: { attempts: 0 }
    - route: [{ destination: { host: ${host('ratings')} } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: ${NS} }
spec:
  hosts: [${host('reviews')}]
  http:
    - route: [{ destination: { host: ${host('reviews')} } }]
      mirror: { host: ${host('shadow')} }
      mirrorPercentage: { value: 100 }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cart, namespace: ${NS} }
spec:
  host: ${host('cart')}
  trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: flaky, namespace: ${NS} }
spec:
  hosts: [${host('flaky')}]
  http: [{ route: [{ destination: { host: ${host('flaky')} } }], retries: { attempts: 0 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: flaky, namespace: ${NS} }
spec:
  host: ${host('flaky')}
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
    outlierDetection: { consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: slow, namespace: ${NS} }
spec:
  hosts: [${host('slow')}]
  http: [{ route: [{ destination: { host: ${host('slow')} } }], retries: { attempts: 0 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: slow, namespace: ${NS} }
spec:
  host: ${host('slow')}
  trafficPolicy:
    connectionPool:
      tcp: { maxConnections: 1 }
      http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 }
`;

beforeAll(async () => {
  trellis = await startTestTrellis();
  for (const name of ['ratings', 'reviews', 'shadow', 'cartA', 'cartB', 'cartC', 'good', 'bad', 'slow']) up[name] = await startUpstream(name);
  up.bad!.behave({ status: 503 });
  up.slow!.behave({ delayMs: 700 });
  expect((await trellis.api('PUT', '/v1/meshes/demo', {})).status).toBe(201);
  await apply(trellis, 'demo', CONFIG());
  sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: NS, workload: 'web', labels: { app: 'web' } });
  await eventually(async () => (await get(sidecar.outbound, { host: host('slow') }, 5000)).status === 200, 'routes to reach Envoy');
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  await Promise.all(Object.values(up).map((u) => u.close()));
});

describe('traffic management on a real Envoy sidecar', () => {
  it('injects delays and aborts at the configured percentages (binomial bounds)', async () => {
    const n = 240;
    let aborted = 0;
    let delayed = 0;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const r = await get(sidecar.outbound, { host: host('ratings'), 'x-chaos': 'on' });
      if (performance.now() - t0 >= 55) delayed++;
      if (r.status === 418) aborted++;
      else expect(r.status).toBe(200);
    }
    const abortRange = binomialBounds(n, 0.25);
    const delayRange = binomialBounds(n, 0.4);
    expect(aborted).toBeGreaterThanOrEqual(abortRange.low);
    expect(aborted).toBeLessThanOrEqual(abortRange.high);
    expect(delayed).toBeGreaterThanOrEqual(delayRange.low);
    expect(delayed).toBeLessThanOrEqual(delayRange.high);
    // Without the header no fault applies.
    for (let i = 0; i < 20; i++) expect((await get(sidecar.outbound, { host: host('ratings') })).status).toBe(200);
  });

  it('mirrors every request to the shadow, and the caller sees only the primary', async () => {
    const before = up.shadow!.received.length;
    for (let i = 0; i < 20; i++) {
      const r = await get(`${sidecar.outbound}/item/${i}`, { host: host('reviews') });
      expect([r.status, r.servedBy]).toEqual([200, 'reviews']);
    }
    await eventually(async () => up.shadow!.received.length - before === 20, 'the 20 mirrored copies', 5000);
    const copies = up.shadow!.received.slice(before);
    expect(copies.map((c) => c.path)).toEqual(Array.from({ length: 20 }, (_, i) => `/item/${i}`));
    // Envoy marks shadowed requests by suffixing the authority.
    expect(copies.every((c) => String(c.headers.host).endsWith('-shadow'))).toBe(true);
  });

  it('keeps a user on one of three upstreams when hashing on a header', async () => {
    const chosen = new Map<string, Set<string>>();
    for (let u = 0; u < 12; u++) {
      const user = `user-${u}`;
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add((await get(sidecar.outbound, { host: host('cart'), 'x-user': user })).servedBy ?? '?');
      chosen.set(user, seen);
    }
    for (const [user, seen] of chosen) expect(seen.size, user).toBe(1);
    // The ring spreads users: with 12 users, more than one upstream serves (all on one has probability < 1e-5).
    expect(new Set([...chosen.values()].flatMap((s) => [...s])).size).toBeGreaterThan(1);
  });

  it('ejects the endpoint that keeps failing (outlier detection)', async () => {
    const cluster = `outbound|80||${host('flaky')}`;
    const ejections = () => clusterStat(sidecar.envoy, cluster, 'outlier_detection.ejections_enforced_consecutive_5xx');
    // Envoy ejects on its main thread, so the ejection lands a little after the second 5xx:
    // send until it has (bounded), then every request must be served.
    const before: number[] = [];
    for (let i = 0; i < 60 && (await ejections()) < 1; i++) before.push((await get(sidecar.outbound, { host: host('flaky') })).status);
    expect(await ejections()).toBeGreaterThanOrEqual(1);
    expect(before.filter((s) => s === 503).length).toBeGreaterThanOrEqual(2);
    const after: number[] = [];
    for (let i = 0; i < 20; i++) after.push((await get(sidecar.outbound, { host: host('flaky') })).status);
    expect(after).toEqual(Array(20).fill(200));
  });

  it('answers 503 when the connection pool overflows, and counts upstream_rq_pending_overflow', async () => {
    const cluster = `outbound|80||${host('slow')}`;
    const before = await clusterStat(sidecar.envoy, cluster, 'upstream_rq_pending_overflow');
    const replies = await Promise.all(Array.from({ length: 6 }, () => get(sidecar.outbound, { host: host('slow') }, 10_000)));
    const statuses = replies.map((r) => r.status).sort();
    // One request holds the only connection, one waits in the queue of one; the rest overflow at once.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(3);
    expect(replies.find((r) => r.status === 503)?.body).toMatch(/overflow/);
    expect((await clusterStat(sidecar.envoy, cluster, 'upstream_rq_pending_overflow')) - before).toBe(statuses.filter((s) => s === 503).length);
  });
});
