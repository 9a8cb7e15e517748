import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeConfig, type ActiveConfig } from '../support/config-dump.ts';
import type { RunningEnvoy } from '../support/envoy.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply } from '../support/traffic.ts';
import { startUpstream, type Upstream } from '../support/upstream.ts';

// Every kind of change reaches real Envoys (delta and state of the world, sidecars and a gateway)
// and is *in force* — not parked in warming — soon after the API accepted it. Envoy's own counters
// (init_fetch_timeout, update_rejected, update_failure) are checked by the harness when each Envoy stops.
const MESH = 'propagation';
const NS = 'shop';
const WEB = `web.${NS}.svc.cluster.local`;
const API = `api.${NS}.svc.cluster.local`;
const webCluster = (port: number, subset = '') => `outbound|${port}|${subset}|${WEB}`;
const apiCluster = `outbound|80||${API}`;
/** A push that waited out Envoy's initial fetch timeout takes 15 s; a healthy one a fraction of a second. */
const IN_FORCE_WITHIN_MS = 1000;

let trellis: TestTrellis;
let app: Upstream;
let web1: Upstream;
let web2: Upstream;
let api1: Upstream;
let api2: Upstream;
const proxies: { name: string; envoy: RunningEnvoy; sidecar: boolean }[] = [];
let sidecars: TestSidecar[] = [];
let gateways: TestGateway[] = [];

const serviceEntry = (extraPort: boolean, secondEndpoint: boolean) => {
  const ports = (u: Upstream) => `{ http: ${u.port}${extraPort ? `, http-alt: ${u.port}` : ''} }`;
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: ${NS} }
spec:
  hosts: [${WEB}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
    - { number: 80, name: http, protocol: HTTP }
${extraPort ? '    - { number: 8080, name: http-alt, protocol: HTTP }\n' : ''}  endpoints:
    - { address: 127.0.0.1, ports: ${ports(web1)}, labels: { version: v1 } }
${secondEndpoint ? `    - { address: 127.0.0.2, ports: ${ports(web2)}, labels: { version: v2 } }\n` : ''}`;
};

const destinationRule = (maxConnections: number, v2: boolean) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: web, namespace: ${NS} }
spec:
  host: ${WEB}
  trafficPolicy:
    connectionPool: { tcp: { maxConnections: ${maxConnections} } }
    outlierDetection: { consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s }
  subsets:
    - { name: v1, labels: { version: v1 } }
${v2 ? '    - { name: v2, labels: { version: v2 } }\n' : ''}`;

const virtualService = (timeout: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: ${NS} }
spec:
  hosts: [${WEB}]
  http: [{ route: [{ destination: { host: ${WEB} } }], timeout: ${timeout} }]`;

const workloadEntry = (name: string, upstream: Upstream, address: string) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}, namespace: ${NS} }
spec: { address: ${address}, labels: { app: api }, ports: { http: ${upstream.port} } }`;

const gateway = (hosts: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: ingress, namespace: ${NS} }
spec:
  selector: { istio: ingress }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: [${hosts}] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web-ingress, namespace: ${NS} }
spec:
  hosts: ['*']
  gateways: [ingress]
  http: [{ route: [{ destination: { host: ${WEB} } }] }]`;

const BASE = () => [
  serviceEntry(false, false),
  destinationRule(100, false),
  virtualService('5s'),
  `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: api, namespace: ${NS} }
spec:
  hosts: [${API}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: api } }`,
  workloadEntry('api-1', api1, '127.0.0.1'),
  gateway("'*'"),
].join('\n---\n');

/**
 * How long until `inForce` holds on `envoy` with nothing left warming, polling its config dump;
 * fails after 20 s (a stalled push shows ~15 s).
 */
async function timeUntil(envoy: RunningEnvoy, inForce: (c: ActiveConfig) => boolean): Promise<{ ms: number; config: ActiveConfig }> {
  const started = performance.now();
  for (;;) {
    const config = await activeConfig(envoy);
    const ms = performance.now() - started;
    if (inForce(config) && config.warmingClusters.length === 0 && config.warmingListeners.length === 0) return { ms, config };
    if (ms > 20_000) throw new Error(`not in force after ${Math.round(ms)} ms; warming clusters: ${config.warmingClusters.join(', ')}; warming listeners: ${config.warmingListeners.join(', ')}; routes: ${JSON.stringify([...config.routes.values()]).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Applies `yaml` (or deletes), then requires `inForce` on every proxy it concerns within the bound. */
async function change(what: string, act: () => Promise<unknown>, inForce: (c: ActiveConfig) => boolean, on: 'sidecars' | 'gateways' | 'all' = 'sidecars'): Promise<void> {
  await act();
  const targets = proxies.filter((p) => on === 'all' || p.sidecar === (on === 'sidecars'));
  const times = await Promise.all(targets.map(async (p) => ({ proxy: p.name, ...(await timeUntil(p.envoy, inForce)) })));
  for (const t of times) {
    expect(Math.round(t.ms), `${what}: in force on ${t.proxy} after`).toBeLessThan(IN_FORCE_WITHIN_MS);
  }
}

const json = (v: unknown) => JSON.stringify(v);

beforeAll(async () => {
  [app, web1, web2, api1, api2] = (await Promise.all(['app', 'web-1', 'web-2', 'api-1', 'api-2'].map((n) => startUpstream(n)))) as [Upstream, Upstream, Upstream, Upstream, Upstream];
  trellis = await startTestTrellis();
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBeLessThan(300);
  await apply(trellis, MESH, BASE());
  for (const protocol of ['delta', 'sotw'] as const) {
    const sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: NS, workload: `client-${protocol}`, labels: { app: 'client' }, appPort: app.port, protocol });
    sidecars.push(sidecar);
    proxies.push({ name: `sidecar (${protocol})`, envoy: sidecar.envoy, sidecar: true });
    const gw = await startGateway({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: NS, workload: `ingress-${protocol}`, labels: { istio: 'ingress' }, serverPorts: [8080], protocol });
    gateways.push(gw);
    proxies.push({ name: `gateway (${protocol})`, envoy: gw.envoy, sidecar: false });
  }
  // Every proxy has the base config in force before the first change.
  for (const p of proxies) await timeUntil(p.envoy, (c) => c.clusters.has(webCluster(80)) && (c.hosts.get(webCluster(80))?.length ?? 0) === 1);
}, 60_000);

afterAll(async () => {
  const stops = [...sidecars.map((s) => s.envoy.stop()), ...gateways.map((g) => g.stop())];
  sidecars = [];
  gateways = [];
  const results = await Promise.allSettled(stops);
  await trellis?.close();
  await Promise.all([app, web1, web2, api1, api2].map((u) => u?.close()));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
});

describe('every kind of change is in force on real Envoys (delta and SotW) within a second, with nothing left warming', () => {
  it('VirtualService: a route timeout', async () => {
    await change('VirtualService timeout', () => apply(trellis, MESH, virtualService('7s')), (c) => json([...c.routes.values()]).includes('"timeout":"7s"'));
  });

  it('DestinationRule traffic policy: the connection pool limit is in the active cluster, on sidecars and gateways', async () => {
    await change(
      'DestinationRule connectionPool',
      () => apply(trellis, MESH, destinationRule(55, false)),
      (c) => json(c.clusters.get(webCluster(80))?.['circuit_breakers']).includes('"max_connections":55') && (c.hosts.get(webCluster(80))?.length ?? 0) === 1,
      'all',
    );
  });

  it('DestinationRule subsets: a new subset cluster is active', async () => {
    await change('DestinationRule subset', () => apply(trellis, MESH, destinationRule(55, true)), (c) => c.clusters.has(webCluster(80, 'v2')));
  });

  it('ServiceEntry ports: a new port has its cluster active, with its endpoint', async () => {
    await change('ServiceEntry port', () => apply(trellis, MESH, serviceEntry(true, false)), (c) => (c.hosts.get(webCluster(8080))?.length ?? 0) === 1);
  });

  it('ServiceEntry endpoints: a new endpoint is used by the service and its subset', async () => {
    await change(
      'ServiceEntry endpoint',
      () => apply(trellis, MESH, serviceEntry(true, true)),
      (c) => (c.hosts.get(webCluster(80))?.length ?? 0) === 2 && json(c.hosts.get(webCluster(80, 'v2'))) === json([`127.0.0.2:${web2.port}`]),
      'all',
    );
  });

  it('WorkloadEntry: a new workload becomes an endpoint of the service selecting it', async () => {
    await change('WorkloadEntry', () => apply(trellis, MESH, workloadEntry('api-2', api2, '127.0.0.3')), (c) => (c.hosts.get(apiCluster)?.length ?? 0) === 2);
  });

  it('Sidecar: egress scoping removes what the namespace may no longer reach', async () => {
    const sidecar = `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: ${NS} }
spec: { egress: [{ hosts: ['./${WEB}'] }] }`;
    await change('Sidecar', () => apply(trellis, MESH, sidecar), (c) => !c.clusters.has(apiCluster) && c.clusters.has(webCluster(80)));
  });

  it('PeerAuthentication: STRICT without a workload certificate takes the inbound listener away; PERMISSIVE brings it back', async () => {
    const pa = (mode: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: ${NS} }
spec: { mtls: { mode: ${mode} } }`;
    const inbound = (c: ActiveConfig) => [...c.listeners.keys()].some((n) => n.startsWith('inbound'));
    await change('PeerAuthentication STRICT', () => apply(trellis, MESH, pa('STRICT')), (c) => !inbound(c));
    await change('PeerAuthentication PERMISSIVE', () => apply(trellis, MESH, pa('PERMISSIVE')), (c) => inbound(c));
  });

  it('AuthorizationPolicy: the inbound listener enforces the new rule', async () => {
    const policy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin, namespace: ${NS} }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: ['/admin'] } }] }]`;
    await change('AuthorizationPolicy', () => apply(trellis, MESH, policy), (c) => [...c.listeners.entries()].some(([n, l]) => n.startsWith('inbound') && json(l).includes('/admin')));
  });

  it('Gateway: a server host change is in the gateway routes', async () => {
    await change('Gateway hosts', () => apply(trellis, MESH, gateway('web.example.com')), (c) => json([...c.routes.values()]).includes('web.example.com'), 'gateways');
  });

  it('a deletion goes through too: the api service disappears from the gateways', async () => {
    await change(
      'ServiceEntry delete',
      async () => expect((await trellis.api('DELETE', `/v1/meshes/${MESH}/resources/serviceentries/${NS}/api`)).status).toBeLessThan(300),
      (c) => !c.clusters.has(apiCluster),
      'all',
    );
  });

  it('Envoy counted no stall, rejection or failed update on any proxy', async () => {
    for (const p of proxies) await p.envoy.assertNoTrouble();
  });
});
