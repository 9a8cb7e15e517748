import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

const mixedYaml = readFileSync(new URL('../test/fixtures/istio/bookinfo-reviews-mixed.yaml', import.meta.url), 'utf8');

const dr = (name: string, namespace?: string) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { host: name },
});

interface ApplyBody {
  revision: number;
  created: boolean;
  results: { kind: string; namespace: string; name: string; action: string }[];
  skipped?: { index: number; apiVersion: string; kind: string; name?: string; namespace?: string }[];
}
interface ProblemBody {
  detail: string;
  errors: { path: string; message: string }[];
}

let h: ApiHarness;
beforeEach(async () => {
  h = await apiHarness();
  expect((await h.call('PUT', '/v1/meshes/prod', { body: {} })).status).toBe(201);
});
afterEach(async () => h.close());

async function revisions(): Promise<number> {
  return ((await (await h.call('GET', '/v1/meshes/prod/revisions')).json()) as { items: unknown[] }).items.length;
}

describe('apply ?namespace=', () => {
  it('puts objects without a namespace into it and leaves objects that name one in theirs', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply?namespace=bookinfo', { body: [dr('reviews'), dr('ratings', 'shop')] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ApplyBody;
    expect(body.results.map((r) => `${r.namespace}/${r.name}`)).toEqual(['bookinfo/reviews', 'shop/ratings']);
    expect((await h.call('GET', '/v1/meshes/prod/resources/destinationrules/bookinfo/reviews')).status).toBe(200);
    expect((await h.call('GET', '/v1/meshes/prod/resources/destinationrules/default/reviews')).status).toBe(404);
  });

  it('defaults to namespace default without the parameter', async () => {
    const body = (await (await h.call('POST', '/v1/meshes/prod/apply', { body: [dr('reviews')] })).json()) as ApplyBody;
    expect(body.results[0]).toMatchObject({ namespace: 'default', name: 'reviews' });
  });

  it('refuses a namespace that is not a DNS label, naming the parameter, and stores nothing', async () => {
    for (const bad of ['Book_Info', '', 'a'.repeat(64)]) {
      const res = await h.call('POST', `/v1/meshes/prod/apply?namespace=${encodeURIComponent(bad)}`, { body: [dr('reviews')] });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as ProblemBody).errors[0]).toMatchObject({ path: 'namespace' });
    }
    expect(await revisions()).toBe(0);
  });
});

describe('apply with objects Trellis does not manage', () => {
  it('refuses a mixed file, naming every foreign object by document index, and stores nothing', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply?namespace=bookinfo', { yaml: mixedYaml });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.errors).toEqual([
      { path: '[0].kind', message: expect.stringContaining('ServiceAccount/bookinfo-reviews (v1) is not mesh configuration Trellis manages; remove it, or pass ignoreUnknownKinds=true') },
      { path: '[1].kind', message: expect.stringContaining('Service/reviews (v1)') },
      { path: '[2].kind', message: expect.stringContaining('Deployment/reviews-v1 (apps/v1)') },
    ]);
    expect(await revisions()).toBe(0);
  });

  it('with ignoreUnknownKinds=true applies the Istio objects and lists the skipped ones (dry run too)', async () => {
    const dry = await h.call('POST', '/v1/meshes/prod/apply?namespace=bookinfo&ignoreUnknownKinds=true&dryRun=true', { yaml: mixedYaml });
    expect(dry.status).toBe(200);
    const dryBody = (await dry.json()) as ApplyBody;
    expect(dryBody.skipped?.map((s) => `${s.index}:${s.kind}/${s.name}`)).toEqual(['0:ServiceAccount/bookinfo-reviews', '1:Service/reviews', '2:Deployment/reviews-v1']);
    expect(await revisions()).toBe(0);

    const res = await h.call('POST', '/v1/meshes/prod/apply?namespace=bookinfo&ignoreUnknownKinds=true', { yaml: mixedYaml });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ApplyBody;
    expect(body.results.map((r) => `${r.kind} ${r.namespace}/${r.name} ${r.action}`)).toEqual(['DestinationRule bookinfo/reviews created', 'VirtualService bookinfo/reviews created']);
    expect(body.skipped).toEqual([
      { index: 0, apiVersion: 'v1', kind: 'ServiceAccount', name: 'bookinfo-reviews' },
      { index: 1, apiVersion: 'v1', kind: 'Service', name: 'reviews' },
      { index: 2, apiVersion: 'apps/v1', kind: 'Deployment', name: 'reviews-v1' },
    ]);
    expect(await revisions()).toBe(1);
  });

  it('skips a Gateway API Gateway but manages an Istio Gateway of the same name', async () => {
    const k8sGateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };
    const istioGateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'web' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } };
    const res = await h.call('POST', '/v1/meshes/prod/apply?ignoreUnknownKinds=true', { body: [k8sGateway, istioGateway] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ results: [{ kind: 'Gateway', name: 'web', action: 'created' }], skipped: [{ index: 0, apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' }] });
  });

  it('refuses Istio kinds it does not serve even with ignoreUnknownKinds=true', async () => {
    const wasm = { apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'mesh-default' }, spec: {} };
    const res = await h.call('POST', '/v1/meshes/prod/apply?ignoreUnknownKinds=true', { body: [dr('reviews'), wasm] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ProblemBody).errors).toEqual([
      { path: '[1].kind', message: expect.stringMatching(/^WasmPlugin \(extensions\.istio\.io\/v1alpha1\) is unsupported/) },
    ]);
    expect(await revisions()).toBe(0);
  });

  it('answers a body of only foreign objects with nothing to do when they are ignored', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply?ignoreUnknownKinds=true', { body: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo' } }] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ created: false, results: [], skipped: [{ kind: 'Namespace', name: 'bookinfo' }] });
    expect(await revisions()).toBe(0);
  });

  it('refuses a bad ignoreUnknownKinds value', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply?ignoreUnknownKinds=yes', { body: [dr('reviews')] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ProblemBody).errors[0]).toMatchObject({ path: 'ignoreUnknownKinds' });
  });
});

describe('apply of Istio shapes that used to be refused', () => {
  it('accepts an AuthorizationPolicy without spec (allow nothing) and stores spec: {}', async () => {
    const res = await h.call('POST', '/v1/meshes/prod/apply?namespace=foo', { yaml: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: allow-nothing\n' });
    expect(res.status).toBe(200);
    const stored = (await (await h.call('GET', '/v1/meshes/prod/resources/authorizationpolicies/foo/allow-nothing')).json()) as { spec: unknown };
    expect(stored.spec).toEqual({});
  });

  it('refuses a JWT-claim route match on sidecars (mesh) as unsupported, and a field newer than Trellis with its path', async () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: httpbin }
spec:
  hosts: [httpbin]
  gateways: [mesh]
  http:
  - match:
    - headers: { "@request.auth.claims.groups": { exact: group1 } }
    route: [{ destination: { host: httpbin } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: httpbin }
spec:
  host: httpbin
  trafficPolicy: { futureKnob: true }
`;
    const res = await h.call('POST', '/v1/meshes/prod/apply', { yaml });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ProblemBody).errors).toEqual([
      { path: '[0].spec.http[0].match[0].headers', message: expect.stringContaining('unsupported: JWT claims are matched on gateways only') },
      { path: '[1].spec.trafficPolicy.futureKnob', message: 'unsupported (unknown to this version of Trellis)' },
    ]);
  });

  it('reads IPv6 addresses in a flow sequence as addresses', async () => {
    const yaml = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: dual-stack, namespace: foo }
spec:
  rules:
  - from:
    - source: { ipBlocks: [10.0.0.0/8, 2001:db8::1, 2001:db8::] }
`;
    const res = await h.call('POST', '/v1/meshes/prod/apply', { yaml });
    expect(res.status, await res.clone().text()).toBe(200);
    const stored = (await (await h.call('GET', '/v1/meshes/prod/resources/authorizationpolicies/foo/dual-stack')).json()) as { spec: { rules: { from: { source: { ipBlocks: string[] } }[] }[] } };
    expect(stored.spec.rules[0]!.from[0]!.source.ipBlocks).toEqual(['10.0.0.0/8', '2001:db8::1', '2001:db8::']);
  });
});

describe('OpenAPI', () => {
  it('describes the namespace and ignoreUnknownKinds query parameters and the skipped list', async () => {
    const doc = (await (await h.call('GET', '/openapi.json', { key: null })).json()) as {
      paths: Record<string, { post?: { parameters?: { name: string; in: string; description?: string; schema?: { pattern?: string } }[] } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const params = doc.paths['/v1/meshes/{mesh}/apply']!.post!.parameters!.filter((p) => p.in === 'query');
    expect(params.find((p) => p.name === 'namespace')).toMatchObject({ description: expect.stringContaining('kubectl apply -n'), schema: { pattern: expect.any(String) } });
    expect(params.find((p) => p.name === 'ignoreUnknownKinds')?.description).toContain('unsupported Istio kinds are refused');
    expect(doc.components.schemas['ApplyResult']?.properties).toHaveProperty('skipped');
  });
});
