import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyStatusSource } from '../../core/proxies/proxy-status.ts';
import { apiHarness, type ApiHarness } from '../testing/api-harness.ts';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const connected: ProxyStatusSource = {
  list: async () => [],
  config: async (_tenant, _mesh, proxyId, types) =>
    proxyId === 'p1' ? { proxyId, revision: 3, types: Object.fromEntries(types.map((t) => [t, [{ name: `${t}-a`, version: 'v1' }]])) } : undefined,
};

describe('GET /v1/meshes/{mesh}/proxies/{proxyId}/config', () => {
  it('returns the requested types of a connected proxy', async () => {
    api = await apiHarness({ proxies: connected });
    await api.call('PUT', '/v1/meshes/demo', { body: {} });
    const res = await api.call('GET', '/v1/meshes/demo/proxies/p1/config?type=clusters,routes');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ proxyId: 'p1', revision: 3, types: { clusters: [{ name: 'clusters-a', version: 'v1' }], routes: [{ name: 'routes-a', version: 'v1' }] } });
  });

  it('answers 404 for a proxy that is not connected and 400 for an unknown type', async () => {
    api = await apiHarness({ proxies: connected });
    await api.call('PUT', '/v1/meshes/demo', { body: {} });
    expect((await api.call('GET', '/v1/meshes/demo/proxies/nope/config')).status).toBe(404);
    const bad = await api.call('GET', '/v1/meshes/demo/proxies/p1/config?type=clusters,pods');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('type');
  });

  it('answers 501 with a clear message where no config source is wired', async () => {
    api = await apiHarness({ proxies: { list: async () => [] } });
    await api.call('PUT', '/v1/meshes/demo', { body: {} });
    const res = await api.call('GET', '/v1/meshes/demo/proxies/p1/config');
    expect(res.status).toBe(501);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/local mode/);
  });
});
