import { describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError } from '../../../core/errors.ts';
import { allPages, key, newMesh, newTenant, put, uid, vs, type Harness } from './fixtures.ts';

export function meshContract(h: Harness): void {
  describe('meshes', () => {
    it('creates a mesh at revision 0 and reads it back', async () => {
      const tenantId = await newTenant(h.store);

      const { mesh, created } = await h.store.putMesh(tenantId, 'prod', { trustDomain: 'prod.local' });

      expect(created).toBe(true);
      expect(mesh).toMatchObject({ tenantId, name: 'prod', settings: { trustDomain: 'prod.local' }, revision: 0 });
      expect(typeof mesh.version).toBe('string');
      expect(await h.store.getMesh(tenantId, 'prod')).toEqual(mesh);
      expect(await h.store.getMesh(tenantId, 'other')).toBeUndefined();
    });

    it('needs an existing tenant', async () => {
      const ghost = `ghost-${uid()}`;

      await expect(h.store.putMesh(ghost, 'prod', {})).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.listMeshes(ghost)).rejects.toBeInstanceOf(NotFoundError);
      expect(await h.store.getMesh(ghost, 'prod')).toBeUndefined();
    });

    it('updates settings with a new version, keeping createdAt and the revision', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const before = (await h.store.getMesh(tenantId, mesh))!;
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      const { mesh: after, created } = await h.store.putMesh(tenantId, mesh, { trustDomain: 'new.local' });

      expect(created).toBe(false);
      expect(after.settings).toEqual({ trustDomain: 'new.local' });
      expect(after.version).not.toBe(before.version);
      expect(after.createdAt).toBe(before.createdAt);
      expect(after.revision).toBe(1);
    });

    it('honours expectedVersion: null means must not exist, a string must match', async () => {
      const tenantId = await newTenant(h.store);
      const { mesh } = await h.store.putMesh(tenantId, 'prod', {}, { expectedVersion: null });

      await expect(h.store.putMesh(tenantId, 'prod', { x: 1 }, { expectedVersion: null })).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(h.store.putMesh(tenantId, 'prod', { x: 1 }, { expectedVersion: `${mesh.version}-stale` })).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(h.store.putMesh(tenantId, 'absent', {}, { expectedVersion: mesh.version })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(await h.store.getMesh(tenantId, 'absent')).toBeUndefined();
      expect((await h.store.getMesh(tenantId, 'prod'))!.settings).toEqual({});

      const { mesh: updated } = await h.store.putMesh(tenantId, 'prod', { x: 1 }, { expectedVersion: mesh.version });
      expect(updated.settings).toEqual({ x: 1 });
    });

    it('lists meshes by name, page by page', async () => {
      const tenantId = await newTenant(h.store);
      for (const name of ['staging', 'dev', 'prod', 'qa', 'edge']) await h.store.putMesh(tenantId, name, {});

      const { items } = await allPages((p) => h.store.listMeshes(tenantId, p), 2);

      expect(items.map((m) => m.name)).toEqual(['dev', 'edge', 'prod', 'qa', 'staging']);
    });

    it('deletes a mesh with its config and revisions; the name can be reused from scratch', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      await h.store.deleteMesh(tenantId, mesh);

      expect(await h.store.getMesh(tenantId, mesh)).toBeUndefined();
      await expect(h.store.getResource(tenantId, mesh, key('VirtualService', 'web', 'a'))).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.listRevisions(tenantId, mesh)).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.deleteMesh(tenantId, mesh)).rejects.toBeInstanceOf(NotFoundError);

      const { mesh: again } = await h.store.putMesh(tenantId, mesh, {});
      expect(again.revision).toBe(0);
      expect((await h.store.snapshot(tenantId, mesh)).resources).toEqual([]);
      expect((await h.store.listRevisions(tenantId, mesh)).items).toEqual([]);
      expect(await h.store.getRevision(tenantId, mesh, 1)).toBeUndefined();
    });

    it('keeps the same mesh name in two tenants independent', async () => {
      const [a, b] = [await newTenant(h.store), await newTenant(h.store)];
      await h.store.putMesh(a, 'prod', { owner: 'a' });
      await h.store.putMesh(b, 'prod', { owner: 'b' });

      await h.store.commit({ tenantId: a, mesh: 'prod', author: 'test', changes: [put(vs('web', 'a'))] });
      await h.store.putMesh(b, 'only-b', {});

      expect((await h.store.getMesh(b, 'prod'))!).toMatchObject({ revision: 0, settings: { owner: 'b' } });
      expect((await h.store.snapshot(b, 'prod')).resources).toEqual([]);
      expect(await h.store.getMesh(a, 'only-b')).toBeUndefined();
      expect((await h.store.listMeshes(a)).items.map((m) => m.name)).toEqual(['prod']);

      await h.store.deleteMesh(a, 'prod');
      expect((await h.store.getMesh(b, 'prod'))!.settings).toEqual({ owner: 'b' });
    });
  });
}
