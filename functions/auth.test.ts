import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, apiHarness, type ApiHarness } from './testing/api-harness.ts';

const vs = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'web', namespace: 'default' },
  spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }] }] },
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let h: ApiHarness;
beforeEach(async () => {
  h = await apiHarness();
});
afterEach(async () => h.close());

describe('authentication', () => {
  it.each([
    ['no header', undefined],
    ['not bearer', 'Basic dXNlcjpwYXNz'],
    ['unknown key', 'Bearer trellis_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['garbage', 'Bearer <script>alert(1)</script>'],
    ['oversized', `Bearer ${'k'.repeat(5000)}`],
  ])('answers 401 with a Bearer challenge for %s', async (_name, header) => {
    const res = await h.app.request('/v1/meshes', { headers: header ? { authorization: header } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('tenants and keys', () => {
  it('lets the admin key create tenants and keys, and stores only the hash of a key', async () => {
    const key = await h.tenant('acme');
    expect(key).toMatch(/^trellis_[0-9a-f]{16}_/);
    const keys = await h.store.listApiKeys('acme');
    expect(keys).toHaveLength(1);
    expect(keys[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[0]!.hash).not.toContain(key);
    // The secret itself appears nowhere in the data dir.
    for (const file of filesUnder(h.dir)) expect(readFileSync(file).includes(Buffer.from(key))).toBe(false);
    const listed = (await (await h.call('GET', '/v1/tenants/acme/api-keys')).json()) as { items: Record<string, unknown>[] };
    expect(listed.items[0]).not.toHaveProperty('hash');
    expect(listed.items[0]).not.toHaveProperty('key');
    expect((await h.call('GET', '/v1/meshes', { key })).status).toBe(200);
  });

  it('refuses a duplicate tenant and tenant keys on operator endpoints', async () => {
    const key = await h.tenant('acme');
    expect((await h.call('POST', '/v1/tenants', { body: { id: 'acme' } })).status).toBe(409);
    expect((await h.call('POST', '/v1/tenants', { body: { id: 'evil' }, key })).status).toBe(403);
    expect((await h.call('POST', '/v1/tenants/acme/api-keys', { body: {}, key })).status).toBe(403);
    expect((await h.call('GET', '/v1/tenants', { key })).status).toBe(403);
  });

  it('revokes a key', async () => {
    const key = await h.tenant('acme');
    const [record] = await h.store.listApiKeys('acme');
    expect((await h.call('DELETE', `/v1/tenants/acme/api-keys/${record!.id}`)).status).toBe(204);
    expect((await h.call('GET', '/v1/meshes', { key })).status).toBe(401);
  });

  it('refuses to revoke the last admin key with 409 and a hint, and revokes it once another exists', async () => {
    const [bootstrap] = await h.store.listApiKeys('default');
    expect(bootstrap!.role).toBe('admin');

    const refused = await h.call('DELETE', `/v1/tenants/default/api-keys/${bootstrap!.id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ status: 409, title: 'Last admin key', detail: expect.stringContaining('Create another admin key first') });
    expect((await h.call('GET', '/v1/tenants')).status).toBe(200);

    const created = await h.call('POST', '/v1/tenants/default/api-keys', { body: { role: 'admin', description: 'second operator' } });
    expect(created.status).toBe(201);
    const second = (await created.json()) as { key: string; role: string };
    expect(second.role).toBe('admin');
    expect((await h.call('DELETE', `/v1/tenants/default/api-keys/${bootstrap!.id}`, { key: second.key })).status).toBe(204);
    expect((await h.call('GET', '/v1/tenants')).status).toBe(401);
    expect((await h.call('GET', '/v1/tenants', { key: second.key })).status).toBe(200);
  });

  it('makes admin keys only for the operator tenant, and tenant keys by default', async () => {
    const key = await h.tenant('acme');
    expect((await h.call('POST', '/v1/tenants/acme/api-keys', { body: { role: 'admin' } })).status).toBe(400);
    expect((await h.store.listApiKeys('acme')).map((k) => k.role)).toEqual(['tenant']);
    expect((await h.call('GET', '/v1/tenants', { key })).status).toBe(403);
  });
});

describe('tenant isolation', () => {
  it("never shows or touches another tenant's mesh: 404 everywhere", async () => {
    const acme = await h.tenant('acme');
    const globex = await h.tenant('globex');
    expect((await h.call('PUT', '/v1/meshes/prod', { body: {}, key: acme })).status).toBe(201);
    expect((await h.call('PUT', '/v1/meshes/prod/resources/virtualservices/default/web', { body: vs, key: acme })).status).toBe(201);

    const attempts: [string, string, unknown?][] = [
      ['GET', '/v1/meshes/prod'],
      ['DELETE', '/v1/meshes/prod'],
      ['GET', '/v1/meshes/prod/resources/virtualservices/default/web'],
      ['PUT', '/v1/meshes/prod/resources/virtualservices/default/web', vs],
      ['DELETE', '/v1/meshes/prod/resources/virtualservices/default/web'],
      ['GET', '/v1/meshes/prod/resources/virtualservices'],
      ['POST', '/v1/meshes/prod/apply', [vs]],
      ['GET', '/v1/meshes/prod/revisions'],
      ['GET', '/v1/meshes/prod/revisions/1'],
      ['POST', '/v1/meshes/prod/rollback', { toRevision: 0 }],
      ['GET', '/v1/meshes/prod/proxies'],
    ];
    for (const [method, p, body] of attempts) {
      const res = await h.call(method, p, { key: globex, body });
      expect(res.status, `${method} ${p}`).toBe(404);
    }
    expect(((await (await h.call('GET', '/v1/meshes', { key: globex })).json()) as { items: unknown[] }).items).toEqual([]);
    // globex can have its own mesh of the same name, independent of acme's.
    expect((await h.call('PUT', '/v1/meshes/prod', { body: {}, key: globex })).status).toBe(201);
    expect((await h.call('GET', '/v1/meshes/prod/resources/virtualservices/default/web', { key: globex })).status).toBe(404);
    expect((await h.call('GET', '/v1/meshes/prod/resources/virtualservices/default/web', { key: acme })).status).toBe(200);
    expect(ADMIN_KEY).not.toBe(acme);
  });
});
