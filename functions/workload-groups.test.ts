import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

const PATH = '/v1/meshes/prod/resources/workloadgroups/shop/reviews-vms';

const groupYaml = `apiVersion: networking.istio.io/v1beta1
kind: WorkloadGroup
metadata:
  name: reviews-vms
  namespace: shop
spec:
  metadata:
    labels:
      app: reviews
      version: v2
  template:
    serviceAccount: reviews
    ports:
      http: 9080
`;

let h: ApiHarness;
beforeEach(async () => {
  h = await apiHarness();
  expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
});
afterEach(async () => h.close());

describe('workloadgroups', () => {
  it('creates from YAML, reads back as v1, lists, replaces and deletes', async () => {
    const put = await h.call('PUT', PATH, { yaml: groupYaml });
    expect(put.status).toBe(201);
    const stored = (await put.json()) as { apiVersion: string; kind: string; spec: unknown; metadata: { resourceVersion: string } };
    expect(stored).toMatchObject({ apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: { resourceVersion: '1' } });
    expect(stored.spec).toEqual((parse(groupYaml) as { spec: unknown }).spec);

    const got = await h.call('GET', PATH);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(((await got.json()) as { spec: unknown }).spec).toEqual(stored.spec);

    const list = (await (await h.call('GET', '/v1/meshes/prod/resources/workloadgroups/shop')).json()) as { items: { metadata: { name: string } }[] };
    expect(list.items.map((i) => i.metadata.name)).toEqual(['reviews-vms']);
    const everywhere = (await (await h.call('GET', '/v1/meshes/prod/resources/workloadgroups')).json()) as { items: unknown[] };
    expect(everywhere.items).toHaveLength(1);

    const replaced = await h.call('PUT', PATH, { yaml: groupYaml.replace('serviceAccount: reviews', 'serviceAccount: reviews-v2'), headers: { 'if-match': '"1"' } });
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as { spec: { template: { serviceAccount: string } } }).spec.template.serviceAccount).toBe('reviews-v2');

    expect((await h.call('DELETE', PATH)).status).toBe(200);
    expect((await h.call('GET', PATH)).status).toBe(404);
  });

  it('is applied with the ServiceEntry that selects its members, in one revision', async () => {
    const serviceEntry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: reviews } }
`;
    const applied = await h.call('POST', '/v1/meshes/prod/apply', { yaml: `${groupYaml}---\n${serviceEntry}` });
    expect(applied.status).toBe(200);
    const body = (await applied.json()) as { revision: number; results: { kind: string; action: string }[]; warnings: unknown[] };
    expect(body.revision).toBe(1);
    expect(body.results.map((r) => `${r.kind}:${r.action}`).sort()).toEqual(['ServiceEntry:created', 'WorkloadGroup:created']);
    expect(body.warnings).toEqual([]);
  });

  it('warns (TRL0114) when a ServiceEntry without subjectAltNames may pick members of groups of two service accounts', async () => {
    expect((await h.call('PUT', PATH, { yaml: groupYaml })).status).toBe(201);
    const batch = groupYaml.replace('name: reviews-vms', 'name: batch-vms').replace('serviceAccount: reviews', 'serviceAccount: batch').replace('app: reviews\n      version: v2', 'tier: jobs');
    // Its labels leave `app` open: a member could claim app=reviews.
    expect(batch).not.toContain('app: reviews');
    expect((await h.call('PUT', '/v1/meshes/prod/resources/workloadgroups/shop/batch-vms', { yaml: batch })).status).toBe(201);
    const serviceEntry = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { hosts: ['reviews.shop.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: 'reviews' } } },
    };
    const put = await h.call('PUT', '/v1/meshes/prod/resources/serviceentries/shop/reviews', { body: serviceEntry });
    expect(put.status).toBe(201);
    const warnings = JSON.parse(put.headers.get('x-trellis-warnings') ?? '[]') as { code: string; path: string; message: string }[];
    expect(warnings).toEqual([expect.objectContaining({ code: 'TRL0114', path: 'ServiceEntry/shop/reviews: spec.workloadSelector', message: expect.stringContaining('(batch, reviews)') })]);

    const pinned = { ...serviceEntry, spec: { ...serviceEntry.spec, subjectAltNames: ['spiffe://prod.default.trellis.local/ns/shop/sa/reviews'] } };
    const fixed = await h.call('PUT', '/v1/meshes/prod/resources/serviceentries/shop/reviews', { body: pinned });
    expect(fixed.status).toBe(200);
    expect(fixed.headers.get('x-trellis-warnings')).toBeNull();
  });

  it('refuses a probe with 400, the path and "unsupported", storing nothing', async () => {
    const withProbe = `${groupYaml}  probe:\n    periodSeconds: 5\n    tcpSocket: { port: 9080 }\n`;
    const res = await h.call('PUT', PATH, { yaml: withProbe });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(problem.errors).toEqual([{ path: 'spec.probe', message: expect.stringContaining('unsupported') }]);
    expect((await h.call('GET', PATH)).status).toBe(404);
  });

  it('is in the OpenAPI document with its spec schema', async () => {
    const doc = (await (await h.call('GET', '/openapi.json', { key: null })).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toContain('/v1/meshes/{mesh}/resources/workloadgroups/{namespace}/{name}');
    expect(doc.components.schemas).toHaveProperty('WorkloadGroupSpec');
    expect(doc.components.schemas).toHaveProperty('ReadinessProbe');
  });
});
