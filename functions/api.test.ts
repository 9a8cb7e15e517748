import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

const canaryYaml = readFileSync(new URL('../test/fixtures/istio/reviews-canary.yaml', import.meta.url), 'utf8');
const canaryDocs = parseAllDocuments(canaryYaml).map((d) => d.toJS() as Record<string, unknown>);
const vsPath = '/v1/meshes/prod/resources/virtualservices/shop/reviews';

const vs = (weights: [number, number]) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: {
    hosts: ['reviews'],
    http: [
      {
        route: [
          { destination: { host: 'reviews', subset: 'v1' }, weight: weights[0] },
          { destination: { host: 'reviews', subset: 'v2' }, weight: weights[1] },
        ],
      },
    ],
  },
});

let h: ApiHarness;
beforeEach(async () => {
  h = await apiHarness();
  expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
});
afterEach(async () => h.close());

describe('meshes', () => {
  it('creates, reads, updates with If-Match, lists and deletes a mesh', async () => {
    const got = await h.call('GET', '/v1/meshes/prod');
    expect(got.status).toBe(200);
    const etag = got.headers.get('etag')!;
    expect(etag).toMatch(/^"\d+"$/);

    const updated = await h.call('PUT', '/v1/meshes/prod', { body: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, headers: { 'if-match': etag } });
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as { settings: unknown }).settings).toEqual({ outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });

    const stale = await h.call('PUT', '/v1/meshes/prod', { body: {}, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);

    const list = (await (await h.call('GET', '/v1/meshes')).json()) as { items: { name: string }[] };
    expect(list.items.map((m) => m.name)).toEqual(['prod']);

    expect((await h.call('DELETE', '/v1/meshes/prod')).status).toBe(204);
    expect((await h.call('GET', '/v1/meshes/prod')).status).toBe(404);
    expect(h.events.map((e) => e.reason)).toContain('mesh-deleted');
  });

  it('rejects unknown mesh settings with the field path', async () => {
    const res = await h.call('PUT', '/v1/meshes/prod', { body: { outboundTrafficPolicy: { mode: 'BLOCK_ALL' } } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors[0]!.path).toBe('outboundTrafficPolicy.mode');
  });
});

describe('resources', () => {
  it('creates a VirtualService from YAML, reads it back as JSON and YAML with an ETag', async () => {
    const yamlDoc = canaryYaml.split('---\n')[2]!;
    const put = await h.call('PUT', vsPath, { yaml: yamlDoc });
    expect(put.status).toBe(201);
    expect(put.headers.get('etag')).toBe('"1"');
    const stored = (await put.json()) as { apiVersion: string; spec: unknown; metadata: { resourceVersion: string; labels: unknown } };
    expect(stored.apiVersion).toBe('networking.istio.io/v1');
    expect(stored.metadata.resourceVersion).toBe('1');
    expect(stored.metadata.labels).toEqual({ team: 'reviews' });
    expect(stored.spec).toEqual(canaryDocs[2]!.spec);

    const asYaml = await h.call('GET', vsPath, { headers: { accept: 'application/yaml' } });
    expect(asYaml.headers.get('content-type')).toContain('yaml');
    expect((parse(await asYaml.text()) as { spec: unknown }).spec).toEqual(canaryDocs[2]!.spec);
    expect(h.events.at(-1)).toMatchObject({ tenantId: 'default', mesh: 'prod', revision: 1, reason: 'commit' });
  });

  it('fills name and namespace from the path and refuses a body naming another object', async () => {
    const { metadata: _m, ...noMeta } = vs([50, 50]);
    expect((await h.call('PUT', vsPath, { body: noMeta })).status).toBe(201);
    const other = { ...vs([50, 50]), metadata: { name: 'ratings', namespace: 'shop' } };
    const res = await h.call('PUT', vsPath, { body: other });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('must match the path');
  });

  it('enforces optimistic concurrency with If-Match, If-None-Match and metadata.resourceVersion', async () => {
    expect((await h.call('PUT', vsPath, { body: vs([90, 10]), headers: { 'if-none-match': '*' } })).status).toBe(201);
    expect((await h.call('PUT', vsPath, { body: vs([80, 20]), headers: { 'if-none-match': '*' } })).status).toBe(412);
    const ok = await h.call('PUT', vsPath, { body: vs([80, 20]), headers: { 'if-match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    const stale = await h.call('PUT', vsPath, { body: vs([70, 30]), headers: { 'if-match': '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    const staleBody = { ...vs([70, 30]), metadata: { name: 'reviews', namespace: 'shop', resourceVersion: '1' } };
    expect((await h.call('PUT', vsPath, { body: staleBody })).status).toBe(412);
    const current = (await (await h.call('GET', vsPath)).json()) as { spec: { http: { route: { weight: number }[] }[] } };
    expect(current.spec.http[0]!.route.map((r) => r.weight)).toEqual([80, 20]);
  });

  it('treats an identical PUT as unchanged: no new revision, no event', async () => {
    await h.call('PUT', vsPath, { body: vs([90, 10]) });
    const events = h.events.length;
    const again = await h.call('PUT', vsPath, { body: vs([90, 10]) });
    expect(again.status).toBe(200);
    expect(again.headers.get('x-trellis-revision')).toBe('1');
    expect(h.events.length).toBe(events);
  });

  it('deletes with If-Match and answers 404 for a missing resource and an unknown kind', async () => {
    await h.call('PUT', vsPath, { body: vs([90, 10]) });
    expect((await h.call('DELETE', vsPath, { headers: { 'if-match': '"7"' } })).status).toBe(412);
    const del = await h.call('DELETE', vsPath, { headers: { 'if-match': '"1"' } });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ revision: 2 });
    expect((await h.call('GET', vsPath)).status).toBe(404);
    expect((await h.call('DELETE', vsPath)).status).toBe(404);
    const unknown = await h.call('GET', '/v1/meshes/prod/resources/pods/shop/x');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('virtualservices');
  });

  it('lists across namespaces and in one namespace, paginated with a cursor', async () => {
    for (const ns of ['a', 'b', 'c']) {
      for (const name of ['one', 'two']) {
        const res = await h.call('PUT', `/v1/meshes/prod/resources/virtualservices/${ns}/${name}`, { body: { ...vs([50, 50]), metadata: { name, namespace: ns } } });
        expect(res.status).toBe(201);
      }
    }
    const names: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await h.call('GET', `/v1/meshes/prod/resources/virtualservices?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { items: { metadata: { namespace: string; name: string } }[]; nextCursor?: string };
      names.push(...page.items.map((r) => `${r.metadata.namespace}/${r.metadata.name}`));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(names).toEqual(['a/one', 'a/two', 'b/one', 'b/two', 'c/one', 'c/two']);
    const inB = (await (await h.call('GET', '/v1/meshes/prod/resources/virtualservices/b')).json()) as { items: unknown[] };
    expect(inB.items).toHaveLength(2);
    expect((await h.call('GET', '/v1/meshes/prod/resources/destinationrules')).status).toBe(200);
  });
});

describe('apply', () => {
  it('applies a multi-document YAML stream as one revision and reports each action', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply', { yaml: canaryYaml });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { revision: number; created: boolean; results: { kind: string; action: string }[] };
    expect(body.revision).toBe(1);
    expect(body.created).toBe(true);
    expect(body.results.map((r) => `${r.kind}:${r.action}`)).toEqual(['ServiceEntry:created', 'DestinationRule:created', 'VirtualService:created']);
    const again = (await (await h.call('POST', '/v1/meshes/prod/apply', { yaml: canaryYaml })).json()) as typeof body;
    expect(again.created).toBe(false);
    expect(again.results.every((r) => r.action === 'unchanged')).toBe(true);
  });

  it('accepts a JSON list and a Kubernetes List', async () => {
    const list = await h.call('POST', '/v1/meshes/prod/apply', { body: canaryDocs });
    expect(list.status).toBe(200);
    const kList = await h.call('POST', '/v1/meshes/prod/apply', { body: { apiVersion: 'v1', kind: 'List', items: [vs([70, 30])] } });
    expect(kList.status).toBe(200);
    expect(await kList.json()).toMatchObject({ revision: 2, results: [{ kind: 'VirtualService', action: 'updated' }] });
  });

  it('dry-runs without storing and reports what would change', async () => {
    await h.call('POST', '/v1/meshes/prod/apply', { body: [canaryDocs[0]] });
    const res = await h.call('POST', '/v1/meshes/prod/apply?dryRun=true', { yaml: canaryYaml });
    expect(await res.json()).toMatchObject({ dryRun: true, revision: 1, results: [{ action: 'unchanged' }, { action: 'created' }, { action: 'created' }] });
    expect((await h.call('GET', '/v1/meshes/prod/resources/destinationrules/shop/reviews')).status).toBe(404);
  });

  it('is all or nothing: one bad document stores nothing and names its index', async () => {
    const bad = [...canaryDocs.slice(0, 2), vs([90, 20])];
    const res = await h.call('POST', '/v1/meshes/prod/apply', { body: bad });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(problem.errors[0]!.path).toMatch(/^\[2\]\.spec\.http\[0\]\.route/);
    const revisions = (await (await h.call('GET', '/v1/meshes/prod/revisions')).json()) as { items: unknown[] };
    expect(revisions.items).toHaveLength(0);
  });

  it('rejects the same object twice in one apply', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply', { body: [vs([50, 50]), vs([60, 40])] });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('appears twice');
  });
});

describe('revisions and rollback', () => {
  it('records who changed what, reads any past revision, and rolls back as a new revision', async () => {
    await h.call('PUT', vsPath, { body: vs([90, 10]) });
    await h.call('PUT', vsPath, { body: vs([0, 100]) });
    const log = (await (await h.call('GET', '/v1/meshes/prod/revisions')).json()) as { items: { revision: number; author: string; changes: { action: string }[] }[] };
    expect(log.items.map((r) => r.revision)).toEqual([2, 1]);
    expect(log.items[0]!.author).toMatch(/^key:/);
    expect(log.items[0]!.changes[0]!.action).toBe('updated');

    const r1 = (await (await h.call('GET', '/v1/meshes/prod/revisions/1?resources=true')).json()) as { resources: { spec: unknown }[] };
    expect(r1.resources[0]!.spec).toEqual(vs([90, 10]).spec);

    const rb = await h.call('POST', '/v1/meshes/prod/rollback', { body: { toRevision: 1 } });
    expect(rb.status).toBe(200);
    expect(await rb.json()).toMatchObject({ revision: 3, created: true, rollbackTo: 1 });
    const now = (await (await h.call('GET', vsPath)).json()) as { spec: unknown; metadata: { resourceVersion: string } };
    expect(now.spec).toEqual(vs([90, 10]).spec);
    expect(now.metadata.resourceVersion).toBe('3');
    const r3 = (await (await h.call('GET', '/v1/meshes/prod/revisions/3')).json()) as { rollbackTo: number };
    expect(r3.rollbackTo).toBe(1);

    expect((await h.call('POST', '/v1/meshes/prod/rollback', { body: { toRevision: 9 } })).status).toBe(400);
    expect((await h.call('GET', '/v1/meshes/prod/revisions/9')).status).toBe(404);
  });
});

describe('service endpoints', () => {
  it('serves /healthz without a key, and an OpenAPI document covering every kind', async () => {
    expect((await h.call('GET', '/healthz', { key: null })).status).toBe(200);
    const doc = (await (await h.call('GET', '/openapi.json', { key: null })).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    for (const plural of ['virtualservices', 'destinationrules', 'gateways', 'serviceentries', 'sidecars', 'workloadentries', 'workloadgroups', 'peerauthentications', 'authorizationpolicies', 'requestauthentications']) {
      expect(Object.keys(doc.paths)).toContain(`/v1/meshes/{mesh}/resources/${plural}/{namespace}/{name}`);
    }
    expect(Object.keys(doc.paths)).toContain('/v1/meshes/{mesh}/apply');
    expect(JSON.stringify(doc.components.schemas)).toContain('perTryTimeout');
    const docs = await h.call('GET', '/docs', { key: null });
    expect(await docs.text()).toContain('swagger');
  });

  it('answers 503 for proxies where no proxy status source is wired, never an empty list', async () => {
    const res = await h.call('GET', '/v1/meshes/prod/proxies');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 503, detail: expect.stringMatching(/cannot observe proxies/) });
  });
});
