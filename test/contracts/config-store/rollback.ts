import { describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError } from '../../../core/errors.ts';
import type { ConfigStore } from '../../../core/store/config-store.ts';
import { rollback } from '../../../core/store/rollback.ts';
import { contents, del, key, names, newMesh, put, resource, vs, type Harness } from './fixtures.ts';

export function rollbackContract(h: Harness): void {
  describe('rollback', () => {
    it('restores a past revision as a new revision', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a')), put(vs('web', 'b')), put(resource('DestinationRule', 'web', 'a', { host: 'a' }))] });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', 10)), del(key('VirtualService', 'web', 'b'))] });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'c')), put(vs('web', 'a', 20))] });
      const target = await h.store.snapshot(tenantId, mesh, 1);

      const result = await rollback(h.store, { tenantId, mesh, toRevision: 1, author: 'key-9' });

      expect(result).toMatchObject({ revision: 4, created: true });
      expect(contents((await h.store.snapshot(tenantId, mesh)).resources)).toEqual(contents(target.resources));
      const record = (await h.store.getRevision(tenantId, mesh, 4))!;
      expect(record).toMatchObject({ rollbackTo: 1, author: 'key-9' });
      expect(record.changes.map((c) => [c.name, c.action]).sort()).toEqual([
        ['a', 'updated'],
        ['b', 'created'],
        ['c', 'deleted'],
      ]);
      expect(names((await h.store.snapshot(tenantId, mesh, 3)).resources)).toContain('VirtualService/web/c');
    });

    it('rolls back to 0, the empty mesh', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a')), put(vs('web', 'b'))] });

      const result = await rollback(h.store, { tenantId, mesh, toRevision: 0, author: 'test' });

      expect(result.revision).toBe(2);
      expect((await h.store.snapshot(tenantId, mesh)).resources).toEqual([]);
    });

    it('is a no-op at the head', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      const result = await rollback(h.store, { tenantId, mesh, toRevision: 1, author: 'test' });

      expect(result).toMatchObject({ revision: 1, created: false, changes: [] });
      expect((await h.store.getMesh(tenantId, mesh))!.revision).toBe(1);
    });

    it('is NotFoundError for an unknown revision or mesh', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      await expect(rollback(h.store, { tenantId, mesh, toRevision: 2, author: 'test' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(rollback(h.store, { tenantId, mesh, toRevision: -1, author: 'test' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(rollback(h.store, { tenantId, mesh: 'absent', toRevision: 0, author: 'test' })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('fails rather than undo a commit that lands while it runs', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a', 2))] });
      const store = h.store;
      let raced = false;
      const snapshotThenCommit = async (...args: Parameters<ConfigStore['snapshot']>) => {
        const snap = await store.snapshot(...args);
        if (!raced) {
          raced = true;
          await store.commit({ tenantId, mesh, author: 'other', changes: [put(vs('web', 'late'))] });
        }
        return snap;
      };
      const racing = new Proxy(store, {
        get: (target, prop) => {
          if (prop === 'snapshot') return snapshotThenCommit;
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });

      await expect(rollback(racing, { tenantId, mesh, toRevision: 1, author: 'test' })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await h.store.getMesh(tenantId, mesh))!.revision).toBe(3);
      expect((await h.store.getResource(tenantId, mesh, key('VirtualService', 'web', 'late')))!.metadata.resourceVersion).toBe('3');
    });
  });
}
