import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { InMemoryWorkloadRegistry } from '../core/adapters/embedded/registry/index.ts';
import type { MeshChangeEvent } from '../core/bus/change-bus.ts';
import { kubernetesPortProtocol } from '../core/registry/kubernetes-protocol.ts';
import { createJwtIssuer, type JwtIssuer } from '../test/support/jwt.ts';
import { createApi } from './app.ts';
import { ensureBootstrap } from './bootstrap.ts';

const KEY = 'test-admin-key-0123456789abcdef';
const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/CLUSTER1';
const OTHER_ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/CLUSTER2';
const claims = (ns: string, sa: string) => ({ sub: `system:serviceaccount:${ns}:${sa}`, aud: ['trellis'], 'kubernetes.io': { namespace: ns, serviceaccount: { name: sa } } });

let dir: string;
let app: ReturnType<typeof createApi>;
let registry: InMemoryWorkloadRegistry;
let events: MeshChangeEvent[];
let eu1: JwtIssuer;
let eu2: JwtIssuer;
let clock: Date;

const call = (method: string, p: string, o: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) =>
  app.request(p, {
    method,
    headers: { ...(o.token ? { authorization: `EksToken ${o.token}` } : { authorization: `Bearer ${KEY}` }), 'content-type': 'application/json', ...o.headers },
    body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
  });
const agent = () => eu1.token(claims('trellis-system', 'trellis-cluster-agent'));
const ns = (cluster: string, namespace: string) => `/v1/meshes/prod/registry-sources/kubernetes/${cluster}/namespaces/${namespace}`;
const reviews = {
  services: [{ name: 'reviews', clusterIP: '10.96.0.10', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }, { name: 'metrics', port: 9100, appProtocol: 'http' }] }],
  endpoints: [{ pod: 'reviews-v1-abc', address: '10.1.0.5', labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'bookinfo-reviews', ports: { http: 9080, metrics: 9100 } }],
};

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-registry-sources-'));
  const store = await openEmbeddedStore({ dir });
  await ensureBootstrap(store, { bootstrapKey: KEY });
  const bus = new InProcessBus();
  events = [];
  await bus.subscribe((e) => void events.push(e));
  clock = new Date();
  registry = new InMemoryWorkloadRegistry({ now: () => clock });
  app = createApi({ store, bus, logger: pino({ level: 'silent' }), workloads: registry, now: () => clock });
  eu1 = createJwtIssuer(ISSUER, 'k1');
  eu2 = createJwtIssuer(OTHER_ISSUER, 'k2');
  expect((await call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
  expect((await call('PUT', '/v1/meshes/prod/attestation/eks-clusters/eu-1', { body: { issuer: ISSUER, jwks: JSON.parse(eu1.jwks), namespaces: ['bookinfo', 'shop'] } })).status).toBe(201);
  expect((await call('PUT', '/v1/meshes/prod/attestation/eks-clusters/eu-2', { body: { issuer: OTHER_ISSUER, jwks: JSON.parse(eu2.jwks) } })).status).toBe(201);
});
afterEach(async () => {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PUT /v1/meshes/{mesh}/registry-sources/kubernetes/{cluster}/namespaces/{namespace}', () => {
  it("stores the namespace's Services and endpoints as live state, tells the replicas once, and replaces the set on the next PUT", async () => {
    // Act
    const first = await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), body: reviews });
    const refresh = await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), body: reviews });
    const listed = (await registry.list('default', 'prod')).map((w) => ({ id: w.id, service: w.service, labels: w.labels, ports: w.ports, serviceAccount: w.serviceAccount, source: w.source }));
    // Assess
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ namespace: 'bookinfo', services: 1, endpoints: 1, removed: 0, changed: true });
    expect(await refresh.json()).toMatchObject({ changed: false });
    expect(events.filter((e) => e.reason === 'workloads')).toHaveLength(1);
    expect(listed).toEqual([
      { id: 'kubernetes/eu-1/bookinfo/pod/reviews-v1-abc', service: undefined, labels: { app: 'reviews', version: 'v1' }, ports: { http: 9080, metrics: 9100 }, serviceAccount: 'bookinfo-reviews', source: 'kubernetes' },
      { id: 'kubernetes/eu-1/bookinfo/service/reviews', service: { name: 'reviews', selector: { app: 'reviews' }, ports: [{ name: 'http', number: 9080, protocol: 'HTTP' }, { name: 'metrics', number: 9100, protocol: 'HTTP' }] }, labels: {}, ports: undefined, serviceAccount: 'default', source: 'kubernetes' },
    ]);

    const emptied = await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), body: { services: [], endpoints: [] } });
    expect(await emptied.json()).toMatchObject({ removed: 2, changed: true });
    expect(await registry.list('default', 'prod')).toEqual([]);
  });

  it('DELETE removes only that namespace of that cluster', async () => {
    await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), body: reviews });
    await call('PUT', ns('eu-1', 'shop'), { token: agent(), body: reviews });
    expect((await call('DELETE', ns('eu-1', 'bookinfo'), { token: agent() })).status).toBe(204);
    expect((await registry.list('default', 'prod')).map((w) => w.id)).toEqual(['kubernetes/eu-1/shop/pod/reviews-v1-abc', 'kubernetes/eu-1/shop/service/reviews']);
  });

  it("lets the entries lapse after the TTL when the agent stops refreshing them", async () => {
    await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), body: reviews });
    clock = new Date(clock.getTime() + 9 * 60_000);
    expect(await registry.list('default', 'prod')).toHaveLength(2);
    clock = new Date(clock.getTime() + 61_000);
    expect(await registry.list('default', 'prod')).toEqual([]);
  });

  it("refuses a token of another registered cluster, another service account, an API key, and an unregistered cluster", async () => {
    const other = await call('PUT', ns('eu-1', 'bookinfo'), { token: eu2.token(claims('trellis-system', 'trellis-cluster-agent')), body: reviews });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { detail: string }).detail).toMatch(/not by cluster "eu-1"/);
    const workload = await call('PUT', ns('eu-1', 'bookinfo'), { token: eu1.token(claims('bookinfo', 'productpage')), body: reviews });
    expect(workload.status).toBe(403);
    expect((await call('PUT', ns('eu-1', 'bookinfo'), { body: reviews })).status).toBe(401);
    expect((await call('PUT', ns('eu-9', 'bookinfo'), { token: agent(), body: reviews })).status).toBe(401);
    const forged = agent().replace(/\.[^.]+$/, '.AAAA');
    expect((await call('PUT', ns('eu-1', 'bookinfo'), { token: forged, body: reviews })).status).toBe(401);
    const wrongAudience = eu1.token({ ...claims('trellis-system', 'trellis-cluster-agent'), aud: ['other'] });
    expect((await call('PUT', ns('eu-1', 'bookinfo'), { token: wrongAudience, body: reviews })).status).toBe(401);
    expect(await registry.list('default', 'prod')).toEqual([]);
  });

  it('refuses a namespace the cluster registration does not mesh', async () => {
    const res = await call('PUT', ns('eu-1', 'kube-system'), { token: agent(), body: reviews });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/not meshed/);
    expect(await registry.list('default', 'prod')).toEqual([]);
  });

  it('refuses hostile and oversized input with field paths, writing nothing', async () => {
    const bad = async (body: unknown) => {
      const res = await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), body });
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      return ((await res.json()) as { errors?: { path: string; message: string }[] }).errors ?? [];
    };
    expect(await bad({ services: [], endpoints: [{ ...reviews.endpoints[0], address: 'db.internal' }] })).toEqual([{ path: 'endpoints[0].address', message: 'must be an IP address' }]);
    expect((await bad({ services: [{ ...reviews.services[0], name: '../etc' }], endpoints: [] }))[0]!.path).toBe('services[0].name');
    expect((await bad({ services: [], endpoints: [{ ...reviews.endpoints[0], labels: { 'bad key!': 'x' } }] }))[0]!.path).toMatch(/^endpoints\[0\]\.labels/);
    expect((await bad({ services: [reviews.services[0], reviews.services[0]], endpoints: [] }))[0]).toEqual({ path: 'services[1].name', message: 'Service "reviews" appears twice' });
    expect((await bad({ services: [], endpoints: [], extra: 1 }))[0]!.path).toBe('extra');
    expect((await bad({ services: 'all', endpoints: [] }))[0]!.path).toBe('services');
    const many = Array.from({ length: 5001 }, (_, i) => ({ ...reviews.endpoints[0]!, pod: `p-${i}` }));
    expect((await bad({ services: [], endpoints: many }))[0]).toEqual({ path: 'endpoints', message: 'at most 5000 ready endpoints per namespace' });
    const notJson = await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), raw: '{"services": [' });
    expect(notJson.status).toBe(400);
    const huge = await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), raw: JSON.stringify({ services: [], endpoints: [], pad: 'x'.repeat(5 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    const yaml = await call('PUT', ns('eu-1', 'bookinfo'), { token: agent(), raw: 'services: []', headers: { 'content-type': 'application/yaml' } });
    expect(yaml.status).toBe(415);
    expect((await call('PUT', ns('eu-1', 'Bad_NS'), { token: agent(), body: reviews })).status).toBe(400);
    expect((await call('PUT', ns('eu-1', 'bookinfo'), { token: 'x'.repeat(10_000), body: reviews })).status).toBe(401);
    expect(await registry.list('default', 'prod')).toEqual([]);
  });
});

describe('kubernetesPortProtocol', () => {
  it('reads the protocol as Istio does: UDP, then appProtocol, then the port name prefix', () => {
    expect(kubernetesPortProtocol({ name: 'http-web' })).toBe('HTTP');
    expect(kubernetesPortProtocol({ name: 'grpc' })).toBe('GRPC');
    expect(kubernetesPortProtocol({ name: 'grpc-web-x' })).toBe('GRPC-WEB');
    expect(kubernetesPortProtocol({ name: 'tcp-db' })).toBe('TCP');
    expect(kubernetesPortProtocol({ name: 'web' })).toBeUndefined();
    expect(kubernetesPortProtocol({})).toBeUndefined();
    expect(kubernetesPortProtocol({ name: 'http', appProtocol: 'kubernetes.io/h2c' })).toBe('HTTP2');
    expect(kubernetesPortProtocol({ name: 'http', appProtocol: 'tcp' })).toBe('TCP');
    expect(kubernetesPortProtocol({ name: 'http', protocol: 'UDP' })).toBe('UDP');
    expect(kubernetesPortProtocol({ name: 'HTTP2-x' })).toBe('HTTP2');
  });
});
