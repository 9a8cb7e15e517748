import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../core/errors.ts';
import type { IstioResource } from '../../../core/resources/resource.ts';
import { allPages, contents, del, key, names, newMesh, put, resource, vs, type Harness } from './fixtures.ts';

/** Spread over kinds and namespaces, including namespaces where one is a prefix of another. */
const MIXED: IstioResource[] = [
  vs('web', 'b'),
  resource('ServiceEntry', 'ext', 'api', { hosts: ['api.example.com'] }),
  vs('a-b', 'x'),
  resource('DestinationRule', 'web', 'b', { host: 'b' }),
  vs('a', 'z'),
  vs('web', 'a'),
  resource('DestinationRule', 'a', 'y', { host: 'y' }),
  resource('AuthorizationPolicy', 'web', 'deny', { action: 'DENY' }),
];
const MIXED_ORDER = [
  'AuthorizationPolicy/web/deny',
  'DestinationRule/a/y',
  'DestinationRule/web/b',
  'ServiceEntry/ext/api',
  'VirtualService/a/z',
  'VirtualService/a-b/x',
  'VirtualService/web/a',
  'VirtualService/web/b',
];

export function readContract(h: Harness): void {
  describe('getResource', () => {
    it('reads at head and at past revisions', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const k = key('VirtualService', 'web', 'a');
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'other'))] });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', 10))] });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', 20))] });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [del(k)] });

      expect(await h.store.getResource(tenantId, mesh, k)).toBeUndefined();
      expect(await h.store.getResource(tenantId, mesh, k, { atRevision: 1 })).toBeUndefined();
      expect(await h.store.getResource(tenantId, mesh, k, { atRevision: 2 })).toEqual({ ...vs('web', 'a', 10), metadata: { name: 'a', namespace: 'web', resourceVersion: '2' } });
      expect((await h.store.getResource(tenantId, mesh, k, { atRevision: 3 }))!.metadata.resourceVersion).toBe('3');
      expect(await h.store.getResource(tenantId, mesh, k, { atRevision: 0 })).toBeUndefined();
      expect((await h.store.getResource(tenantId, mesh, key('VirtualService', 'web', 'other')))!.metadata.resourceVersion).toBe('1');
    });

    it('is NotFoundError for a revision above the head or a missing mesh', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      await expect(h.store.getResource(tenantId, mesh, key('VirtualService', 'web', 'a'), { atRevision: 2 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.getResource(tenantId, mesh, key('VirtualService', 'web', 'a'), { atRevision: -1 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.getResource(tenantId, 'absent', key('VirtualService', 'web', 'a'))).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('listResources', () => {
    it('orders by kind, namespace, name and filters by kind and namespace', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: MIXED.map((r) => put(r)) });
      const list = async (query: Parameters<typeof h.store.listResources>[2]) => names((await h.store.listResources(tenantId, mesh, query)).items);

      expect(await list({})).toEqual(MIXED_ORDER);
      expect(await list({ kind: 'VirtualService' })).toEqual(MIXED_ORDER.filter((n) => n.startsWith('VirtualService/')));
      expect(await list({ kind: 'VirtualService', namespace: 'web' })).toEqual(['VirtualService/web/a', 'VirtualService/web/b']);
      expect(await list({ kind: 'VirtualService', namespace: 'a' })).toEqual(['VirtualService/a/z']);
      expect(await list({ namespace: 'web' })).toEqual(MIXED_ORDER.filter((n) => n.includes('/web/')));
      expect(await list({ kind: 'Gateway' })).toEqual([]);
    });

    it('pages with cursors, also under a filter', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: MIXED.map((r) => put(r)) });

      const all = await allPages((p) => h.store.listResources(tenantId, mesh, p), 3);
      const vsOnly = await allPages((p) => h.store.listResources(tenantId, mesh, { ...p, kind: 'VirtualService' }), 1);

      expect(names(all.items)).toEqual(MIXED_ORDER);
      expect(names(vsOnly.items)).toEqual(MIXED_ORDER.filter((n) => n.startsWith('VirtualService/')));
      await expect(h.store.listResources(tenantId, mesh, { cursor: '%%%' })).rejects.toBeInstanceOf(ValidationError);
      await expect(h.store.listResources(tenantId, mesh, { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    });

    it('keeps cursors correct while other commits happen', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const initial = ['b', 'd', 'f', 'h', 'j', 'l'].map((n) => vs('web', n));
      await h.store.commit({ tenantId, mesh, author: 'test', changes: initial.map((r) => put(r)) });

      const first = await h.store.listResources(tenantId, mesh, { limit: 3 });
      expect(names(first.items)).toEqual(['VirtualService/web/b', 'VirtualService/web/d', 'VirtualService/web/f']);
      await h.store.commit({
        tenantId,
        mesh,
        author: 'test',
        changes: [put(vs('web', 'a')), put(vs('web', 'k')), put(vs('web', 'h', 5)), del(key('VirtualService', 'web', 'j')), del(key('VirtualService', 'web', 'b'))],
      });
      const rest = await allPages((p) => h.store.listResources(tenantId, mesh, { ...p, cursor: first.nextCursor! }), 3);

      const seen = names([...first.items, ...rest.items]);
      expect(seen).toEqual(['b', 'd', 'f', 'h', 'k', 'l'].map((n) => `VirtualService/web/${n}`));
      expect(rest.items.find((r) => r.metadata.name === 'h')!.metadata.resourceVersion).toBe('2');
    });

    it('lists a past revision, page by page', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: MIXED.map((r) => put(r)) });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [del(key('VirtualService', 'web', 'a')), put(vs('web', 'b', 1)), put(vs('zz', 'new'))] });

      const past = await allPages((p) => h.store.listResources(tenantId, mesh, { ...p, atRevision: 1 }), 2);

      expect(names(past.items)).toEqual(MIXED_ORDER);
      expect(past.items.every((r) => r.metadata.resourceVersion === '1')).toBe(true);
      await expect(h.store.listResources(tenantId, mesh, { atRevision: 3 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.listResources(tenantId, 'absent')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('snapshot', () => {
    it('returns every resource at head or at a past revision, in key order', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: MIXED.map((r) => put(r)) });
      const atOne = await h.store.snapshot(tenantId, mesh);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [del(key('VirtualService', 'a', 'z')), put(vs('web', 'a', 7))] });

      const head = await h.store.snapshot(tenantId, mesh);
      const past = await h.store.snapshot(tenantId, mesh, 1);

      expect(head.revision).toBe(2);
      expect(names(head.resources)).toEqual(MIXED_ORDER.filter((n) => n !== 'VirtualService/a/z'));
      expect(past).toEqual(atOne);
      expect(contents(past.resources)).toEqual(contents(atOne.resources));
      expect(await h.store.snapshot(tenantId, mesh, 0)).toEqual({ revision: 0, resources: [] });
      await expect(h.store.snapshot(tenantId, mesh, 3)).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
