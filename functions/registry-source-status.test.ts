import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import { InMemoryCloudMapLeases } from '../core/adapters/embedded/registry/index.ts';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import type { ConfigStore } from '../core/store/config-store.ts';
import { createApi } from './app.ts';
import { ensureBootstrap } from './bootstrap.ts';

const KEY = 'test-admin-key-0123456789abcdef';
let dir: string;
let store: ConfigStore;
let leases: InMemoryCloudMapLeases;
let clock: Date;

const api = (observed: boolean) => createApi({ store, bus: new InProcessBus(), logger: pino({ level: 'silent' }), now: () => clock, ...(observed ? { cloudMapSources: leases } : {}) });
const call = (app: ReturnType<typeof createApi>, method: string, p: string, o: { key?: string | null; body?: unknown } = {}) =>
  app.request(p, { method, headers: { ...(o.key === null ? {} : { authorization: `Bearer ${o.key ?? KEY}` }), 'content-type': 'application/json' }, body: o.body === undefined ? undefined : JSON.stringify(o.body) });

const source = (service: string) => ({ cloudMapNamespace: 'shop.local', service, namespace: 'shop' });
const settings = { registrySources: { cloudMap: { periodSeconds: 10, sources: [source('reviews'), source('ratings'), source('details'), source('orders')] } } };
const ref = (service: string) => ({ tenantId: 'default', mesh: 'shop', cloudMapNamespace: 'shop.local', service });

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-registry-source-status-'));
  store = await openEmbeddedStore({ dir });
  await ensureBootstrap(store, { bootstrapKey: KEY });
  clock = new Date('2026-12-05T10:00:00.000Z');
  leases = new InMemoryCloudMapLeases({ now: () => clock });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/meshes/{mesh}/registry-sources', () => {
  it("shows each Cloud Map source the settings name with who polls it and how its polls go", async () => {
    const app = api(true);
    expect((await call(app, 'PUT', '/v1/meshes/shop', { body: settings })).status).toBe(201);
    await leases.acquire(ref('reviews'), 'replica-a', 20_000);
    await leases.record(ref('reviews'), 'replica-a', { ok: true, instances: 2, skipped: 1, filtered: 3 });
    await leases.acquire(ref('ratings'), 'replica-b', 20_000);
    await leases.record(ref('ratings'), 'replica-b', { ok: true, instances: 1, skipped: 0, filtered: 0 });
    clock = new Date(clock.getTime() + 10_000);
    await leases.acquire(ref('ratings'), 'replica-b', 20_000);
    await leases.record(ref('ratings'), 'replica-b', { ok: false, error: 'CloudMapNotFoundError: Cloud Map namespace shop.local does not exist' });
    await leases.acquire(ref('orders'), 'replica-c', 5_000);
    await leases.record(ref('orders'), 'replica-c', { ok: true, instances: 4, skipped: 0, filtered: 0 });
    clock = new Date(clock.getTime() + 5_000);

    const res = await call(app, 'GET', '/v1/meshes/shop/registry-sources');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      cloudMap: {
        observed: true,
        periodSeconds: 10,
        sources: [
          { ...source('reviews'), state: 'ok', polledBy: 'replica-a', leaseExpiresAt: '2026-12-05T10:00:20.000Z', lastAttemptAt: '2026-12-05T10:00:00.000Z', lastSuccessAt: '2026-12-05T10:00:00.000Z', consecutiveFailures: 0, instances: 2, skipped: 1, filtered: 3 },
          {
            ...source('ratings'),
            state: 'failing',
            polledBy: 'replica-b',
            leaseExpiresAt: '2026-12-05T10:00:30.000Z',
            lastAttemptAt: '2026-12-05T10:00:10.000Z',
            lastSuccessAt: '2026-12-05T10:00:00.000Z',
            lastError: 'CloudMapNotFoundError: Cloud Map namespace shop.local does not exist',
            lastErrorAt: '2026-12-05T10:00:10.000Z',
            consecutiveFailures: 1,
            instances: 1,
            skipped: 0,
            filtered: 0,
          },
          { ...source('details'), state: 'pending', consecutiveFailures: 0 },
          // Its holder's lease ended at 10:00:15 and no replica renewed it.
          { ...source('orders'), state: 'unpolled', polledBy: 'replica-c', leaseExpiresAt: '2026-12-05T10:00:15.000Z', lastAttemptAt: '2026-12-05T10:00:10.000Z', lastSuccessAt: '2026-12-05T10:00:10.000Z', consecutiveFailures: 0, instances: 4, skipped: 0, filtered: 0 },
        ],
      },
    });
  });

  it('says when the deployment cannot observe the polls, instead of reporting them fine', async () => {
    const app = api(false);
    await call(app, 'PUT', '/v1/meshes/shop', { body: settings });
    const body = (await (await call(app, 'GET', '/v1/meshes/shop/registry-sources')).json()) as { cloudMap: { observed: boolean; sources: { state: string }[] } };
    expect(body.cloudMap.observed).toBe(false);
    expect(body.cloudMap.sources.map((s) => s.state)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
  });

  it('lists no sources for a mesh without Cloud Map sources', async () => {
    const app = api(true);
    await call(app, 'PUT', '/v1/meshes/plain', { body: {} });
    expect(await (await call(app, 'GET', '/v1/meshes/plain/registry-sources')).json()).toEqual({ cloudMap: { observed: true, sources: [] } });
  });

  it('refuses unauthenticated callers, hostile mesh names and other tenants, and answers only GET', async () => {
    const app = api(true);
    await call(app, 'PUT', '/v1/meshes/shop', { body: settings });
    expect((await call(app, 'GET', '/v1/meshes/shop/registry-sources', { key: null })).status).toBe(401);
    expect((await call(app, 'GET', '/v1/meshes/shop/registry-sources', { key: 'not-a-key' })).status).toBe(401);
    for (const name of ['Shop', 'a'.repeat(500), '..%2F..%2Fetc', '%00']) {
      const res = await call(app, 'GET', `/v1/meshes/${name}/registry-sources`);
      expect(res.status, name).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await call(app, 'GET', '/v1/meshes/nope/registry-sources')).status).toBe(404);
    const created = await call(app, 'POST', '/v1/tenants', { body: { id: 'other' } });
    expect(created.status).toBe(201);
    const otherKey = ((await (await call(app, 'POST', '/v1/tenants/other/api-keys', { body: {} })).json()) as { key: string }).key;
    expect((await call(app, 'GET', '/v1/meshes/shop/registry-sources', { key: otherKey })).status).toBe(404);
    const post = await call(app, 'POST', '/v1/meshes/shop/registry-sources', { body: { cloudMap: {} } });
    expect(post.status).toBe(405);
  });
});
