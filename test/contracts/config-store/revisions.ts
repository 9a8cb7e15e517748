import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../core/errors.ts';
import { allPages, del, key, newMesh, put, vs, type Harness } from './fixtures.ts';

export function revisionContract(h: Harness): void {
  describe('revisions', () => {
    it('records who, when, what and each change with its previous version', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const before = Date.now();
      await h.store.commit({ tenantId, mesh, author: 'key-1', message: 'create', changes: [put(vs('web', 'a')), put(vs('web', 'b'))] });
      await h.store.commit({ tenantId, mesh, author: 'system:test', changes: [put(vs('web', 'a', 5)), del(key('VirtualService', 'web', 'b')), put(vs('web', 'c'))] });

      const first = await h.store.getRevision(tenantId, mesh, 1);
      const second = await h.store.getRevision(tenantId, mesh, 2);

      expect(first).toMatchObject({ revision: 1, author: 'key-1', message: 'create' });
      expect(first!.changes).toEqual([
        { kind: 'VirtualService', namespace: 'web', name: 'a', action: 'created' },
        { kind: 'VirtualService', namespace: 'web', name: 'b', action: 'created' },
      ]);
      expect(new Date(first!.createdAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(second).toMatchObject({ revision: 2, author: 'system:test' });
      expect(second!.message).toBeUndefined();
      expect(second!.rollbackTo).toBeUndefined();
      expect(second!.changes).toEqual([
        { kind: 'VirtualService', namespace: 'web', name: 'a', action: 'updated', previousVersion: '1' },
        { kind: 'VirtualService', namespace: 'web', name: 'b', action: 'deleted', previousVersion: '1' },
        { kind: 'VirtualService', namespace: 'web', name: 'c', action: 'created' },
      ]);
    });

    it('answers undefined for a revision that does not exist', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      expect(await h.store.getRevision(tenantId, mesh, 0)).toBeUndefined();
      expect(await h.store.getRevision(tenantId, mesh, 2)).toBeUndefined();
      await expect(h.store.getRevision(tenantId, 'absent', 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists revisions newest first, page by page', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      for (let i = 1; i <= 5; i++) await h.store.commit({ tenantId, mesh, author: 'test', message: `m${i}`, changes: [put(vs('web', 'a', i))] });

      const { items } = await allPages((p) => h.store.listRevisions(tenantId, mesh, p), 2);

      expect(items.map((r) => r.revision)).toEqual([5, 4, 3, 2, 1]);
      expect(items.map((r) => r.message)).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);
      expect(items[0]!.changes).toEqual([{ kind: 'VirtualService', namespace: 'web', name: 'a', action: 'updated', previousVersion: '4' }]);
    });

    it('keeps revision paging stable while new revisions arrive', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      for (let i = 1; i <= 4; i++) await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', i))] });

      const first = await h.store.listRevisions(tenantId, mesh, { limit: 2 });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', 99))] });
      const rest = await allPages((p) => h.store.listRevisions(tenantId, mesh, { ...p, cursor: first.nextCursor! }), 2);

      expect([...first.items, ...rest.items].map((r) => r.revision)).toEqual([4, 3, 2, 1]);
    });
  });
}
