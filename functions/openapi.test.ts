import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESH_NAME } from '../core/mesh/mesh-settings.ts';
import { apiHarness, type ApiHarness } from './testing/api-harness.ts';

interface Operation {
  parameters?: { name: string; in: string; schema: { pattern?: string } }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

describe('the OpenAPI document', () => {
  let api: ApiHarness;
  let doc: Doc;
  const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));
  beforeAll(async () => {
    api = await apiHarness();
    doc = (await (await api.app.request('/openapi.json')).json()) as Doc;
  });
  afterAll(() => api.close());

  it('gives every mesh, namespace, name and tenant path parameter the DNS-label pattern the handlers enforce', () => {
    const checked = operations().flatMap(({ name, op }) => (op.parameters ?? []).filter((p) => p.in === 'path' && ['mesh', 'namespace', 'name', 'tenant'].includes(p.name)).map((p) => [name, p.name, p.schema.pattern]));

    expect(checked.length).toBeGreaterThan(50);
    for (const [name, param, pattern] of checked) expect(pattern, `${name} {${param}}`).toBe(MESH_NAME.source);
  });

  it('declares 413 and 415 on every operation that takes a body', () => {
    const withBody = operations().filter(({ op }) => op.requestBody);

    expect(withBody.length).toBeGreaterThan(15);
    for (const { name, op } of withBody) expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(['413', '415']));
  });

  it.each([
    ['PUT /v1/meshes/{mesh}', ['409', '412']],
    ['PUT /v1/meshes/{mesh}/resources/virtualservices/{namespace}/{name}', ['409', '412']],
    ['DELETE /v1/meshes/{mesh}/resources/virtualservices/{namespace}/{name}', ['409', '412']],
    ['POST /v1/meshes/{mesh}/apply', ['409', '412']],
    ['POST /v1/meshes/{mesh}/rollback', ['409', '412']],
    ['POST /v1/tenants', ['403', '409']],
    ['DELETE /v1/tenants/{tenant}/api-keys/{keyId}', ['409']],
    ['PUT /v1/meshes/{mesh}/attestation/eks-clusters/{name}', ['409']],
    ['GET /v1/meshes/{mesh}/trust-bundle', ['400', '503']],
  ])('declares what %s can answer', (operation, statuses) => {
    const op = operations().find(({ name }) => name === operation)?.op;

    expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(statuses));
  });

  it('does not declare a precondition where there is none to fail', () => {
    const op = operations().find(({ name }) => name === 'GET /v1/meshes/{mesh}')?.op;

    expect(Object.keys(op?.responses ?? {})).not.toContain('412');
  });
});
