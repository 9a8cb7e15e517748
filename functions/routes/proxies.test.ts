import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryFleetStatus } from '../../core/adapters/embedded/fleet/index.ts';
import { FleetProxyStatus, type ProxyStatusRecord } from '../../core/fleet/index.ts';
import { apiHarness, type ApiHarness } from '../testing/api-harness.ts';

// The API as the Lambda runs it: proxy status and convergence read from the fleet store the replicas write.
let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const now = () => new Date(NOW);

function record(proxyId: string, revision: number, overrides: Partial<ProxyStatusRecord> = {}): ProxyStatusRecord {
  return {
    proxyId,
    tenantId: 'default',
    mesh: 'demo',
    namespace: 'shop',
    protocol: 'delta',
    connectedAt: new Date(NOW - 60_000).toISOString(),
    revision,
    types: { cds: { sent: 'c1', acked: 'c1', state: 'SYNCED' }, lds: { sent: 'l1', acked: 'l1', state: 'SYNCED' } },
    replica: 'replica-1',
    updatedAt: new Date(NOW).toISOString(),
    expiresAt: new Date(NOW + 60_000).toISOString(),
    ...overrides,
  };
}

/** An API over a fleet store, a mesh `demo`, and `commits` revisions committed (at the real time). */
async function fleetApi(commits = 1) {
  const fleet = new InMemoryFleetStatus({ now });
  // The harness owns the config store; commit times are read from it once it exists.
  const source = new FleetProxyStatus({ fleet, store: { getRevision: (...args) => api!.store.getRevision(...args) } });
  api = await apiHarness({ proxies: source, convergence: source, now });
  await api.call('PUT', '/v1/meshes/demo', { body: {} });
  const revisions: { revision: number; createdAt: string }[] = [];
  for (let i = 0; i < commits; i++) {
    const applied = await api.call('POST', '/v1/meshes/demo/apply', { body: { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: `cart-${i}`, namespace: 'shop' }, spec: { host: 'cart' } } });
    const { revision } = (await applied.json()) as { revision: number };
    revisions.push({ revision, createdAt: (await api.store.getRevision('default', 'demo', revision))!.createdAt });
  }
  return { fleet, api, revisions };
}

type Revision = { revision: number; convergence?: { proxies: number; acked: number; seconds?: number } };
const convergenceOf = async (h: ApiHarness, revision: number) => ((await (await h.call('GET', `/v1/meshes/demo/revisions/${revision}`)).json()) as Revision).convergence;

describe('GET /v1/meshes/{mesh}/proxies', () => {
  it('answers 503 problem+json where the deployment has no proxy status source, not an empty list', async () => {
    api = await apiHarness();
    await api.call('PUT', '/v1/meshes/demo', { body: {} });

    const res = await api.call('GET', '/v1/meshes/demo/proxies');

    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 503, title: 'Not configured', detail: expect.stringMatching(/^This deployment cannot observe proxies/) });
  });

  it('still answers 404 for a mesh that does not exist, before saying it cannot observe proxies', async () => {
    api = await apiHarness();

    expect((await api.call('GET', '/v1/meshes/nope/proxies')).status).toBe(404);
  });

  it("lists the fleet's current records as proxy status with the replica holding each, without the replica's bookkeeping (updatedAt, expiresAt)", async () => {
    const { fleet, api: h } = await fleetApi();
    await fleet.put([
      record('web-2', 1, { certificate: { spiffeId: 'spiffe://demo.default.trellis.local/ns/shop/sa/web', serialNumber: '0a1b', notAfter: new Date(NOW + 3_600_000).toISOString() } }),
      record('web-1', 1, { registration: { state: 'registered', group: 'shop/web' } }),
      record('gone', 1, { expiresAt: new Date(NOW).toISOString() }),
    ]);

    const res = await h.call('GET', '/v1/meshes/demo/proxies');
    const { items } = (await res.json()) as { items: Record<string, unknown>[] };

    expect(res.status).toBe(200);
    expect(items.map((p) => p.proxyId)).toEqual(['web-1', 'web-2']);
    expect(items[0]).toEqual({ proxyId: 'web-1', namespace: 'shop', protocol: 'delta', replica: 'replica-1', connectedAt: new Date(NOW - 60_000).toISOString(), revision: 1, types: record('x', 1).types, registration: { state: 'registered', group: 'shop/web' } });
    expect(items[1]!.certificate).toEqual({ spiffeId: 'spiffe://demo.default.trellis.local/ns/shop/sa/web', serialNumber: '0a1b', notAfter: new Date(NOW + 3_600_000).toISOString(), expiresInSeconds: 3600 });
  });

  it('lists an empty mesh as empty when a source is wired: nobody is connected, and that is known', async () => {
    const { api: h } = await fleetApi();

    expect(await (await h.call('GET', '/v1/meshes/demo/proxies')).json()).toEqual({ items: [] });
  });
});

describe('revision convergence from the fleet store', () => {
  it('counts the connected proxies and those holding the revision with every type SYNCED', async () => {
    const { fleet, api: h, revisions } = await fleetApi();
    const { revision } = revisions[0]!;
    await fleet.put([record('a', revision), record('b', revision, { types: { cds: { sent: 'c2', acked: 'c1', state: 'STALE' } } }), record('c', revision - 1)]);

    expect(await convergenceOf(h, revision)).toEqual({ proxies: 3, acked: 1 });
  });

  it('gives seconds from the commit to the last update once every proxy holds exactly that revision', async () => {
    const { fleet, api: h, revisions } = await fleetApi();
    const { revision, createdAt } = revisions[0]!;
    const committed = Date.parse(createdAt);
    await fleet.put([record('a', revision, { updatedAt: new Date(committed + 400).toISOString() }), record('b', revision, { updatedAt: new Date(committed + 1_250).toISOString() })]);

    const listed = (await (await h.call('GET', '/v1/meshes/demo/revisions')).json()) as { items: Revision[] };

    expect(await convergenceOf(h, revision)).toEqual({ proxies: 2, acked: 2, seconds: 1.25 });
    expect(listed.items.find((r) => r.revision === revision)?.convergence).toEqual({ proxies: 2, acked: 2, seconds: 1.25 });
  });

  it('counts a superseded revision as acked by proxies at a later one, without seconds (the store keeps no history)', async () => {
    const { fleet, api: h, revisions } = await fleetApi(2);
    const [first, second] = [revisions[0]!, revisions[1]!];
    await fleet.put([record('a', second.revision), record('b', second.revision)]);

    expect(await convergenceOf(h, first.revision)).toEqual({ proxies: 2, acked: 2 });
    expect(await convergenceOf(h, second.revision)).toMatchObject({ proxies: 2, acked: 2, seconds: expect.any(Number) });
  });

  it('leaves convergence out while no proxy is connected: nothing was observed', async () => {
    const { api: h, revisions } = await fleetApi();

    expect(await convergenceOf(h, revisions[0]!.revision)).toBeUndefined();
  });
});
