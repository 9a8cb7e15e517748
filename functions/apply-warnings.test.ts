import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

const service = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  endpoints: [{ address: 10.0.0.1, labels: { version: v1 } }]
`;
const route = (subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: ${subset} } }] }]
`;
const rule = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }]
`;

interface ApplyBody {
  created: boolean;
  warnings: { code: string; message: string; path: string }[];
  errors?: { path: string; message: string }[];
}

describe('analyzer warnings on writes', () => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await apiHarness();
    expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
  });
  afterEach(() => h.close());

  it('apply (and dry run) returns warnings with document-indexed paths and still stores', async () => {
    const yaml = [service, rule, route('v2')].join('---\n');
    const dry = (await (await h.call('POST', '/v1/meshes/prod/apply?dryRun=true', { yaml })).json()) as ApplyBody;
    expect(dry.warnings).toEqual([expect.objectContaining({ code: 'TRL0103', path: '[2].spec.http[0].route[0].destination.subset' })]);

    const res = await h.call('POST', '/v1/meshes/prod/apply', { yaml });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ApplyBody;
    expect(body.created).toBe(true);
    expect(body.warnings.map((w) => w.code)).toEqual(['TRL0103']);
  });

  it('names resources outside the request by Kind/namespace/name', async () => {
    await h.call('POST', '/v1/meshes/prod/apply', { yaml: [service, route('v1')].join('---\n') });
    const body = (await (await h.call('POST', '/v1/meshes/prod/apply', { yaml: rule.replace('name: v1,', 'name: v9,') })).json()) as ApplyBody;
    expect(body.warnings).toEqual([expect.objectContaining({ code: 'TRL0103', path: 'VirtualService/shop/reviews: spec.http[0].route[0].destination.subset' })]);
  });

  it('strict=true answers 400 with the warnings as errors and stores nothing', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply?strict=true', { yaml: [service, route('v2')].join('---\n') });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ApplyBody;
    expect(body.errors?.[0]).toMatchObject({ path: '[1].spec.http[0].route[0].destination.subset', message: expect.stringMatching(/^TRL0103: /) });
    expect((await h.store.getMesh('default', 'prod'))?.revision).toBe(0);
  });

  it('PUT of one resource carries warnings in x-trellis-warnings, and strict refuses', async () => {
    await h.call('POST', '/v1/meshes/prod/apply', { yaml: service });
    const path = '/v1/meshes/prod/resources/virtualservices/shop/reviews';
    const strict = await h.call('PUT', `${path}?strict=true`, { yaml: route('v1') });
    expect(strict.status).toBe(400);
    const res = await h.call('PUT', path, { yaml: route('v1') });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.headers.get('x-trellis-warnings') ?? '[]')).toEqual([expect.objectContaining({ code: 'TRL0103', path: 'VirtualService/shop/reviews: spec.http[0].route[0].destination.subset' })]);
    const clean = await h.call('PUT', '/v1/meshes/prod/resources/destinationrules/shop/reviews', { yaml: rule });
    expect(clean.headers.get('x-trellis-warnings')).toBeNull();
  });
});
