import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from '../../functions/testing/api-harness.ts';

interface Doc {
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
}

let api: ApiHarness;
let doc: Doc;

beforeAll(async () => {
  api = await apiHarness();
  doc = (await (await api.app.request('/openapi.json')).json()) as Doc;
});

afterAll(async () => {
  await api?.close();
});

describe('OpenAPI schemas of the Istio kinds', () => {
  it('the Istio ProxyConfig kind does not take the place of the per-proxy config document', () => {
    const ref = doc.paths['/v1/meshes/{mesh}/proxies/{proxyId}/config']!['get']!.responses['200']!.content!['application/json']!.schema.$ref!;
    const perProxy = doc.components.schemas[ref.split('/').pop()!]!;
    expect(perProxy.properties).not.toHaveProperty('kind');
    expect(doc.components.schemas['IstioProxyConfig']?.properties).toHaveProperty('spec');
    expect(doc.components.schemas['EnvoyFilter']?.properties).toHaveProperty('spec');
  });
});
