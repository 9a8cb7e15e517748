import { describe, expect, it } from 'vitest';
import { del, key, newMesh, put, resource, vs, type Harness } from './fixtures.ts';

export function durabilityContract(h: Harness): void {
  describe('durability', () => {
    it('keeps everything across close and reopen, and continues the revision numbers', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const hash = 'a'.repeat(64);
      await h.store.createApiKey({ id: 'k1', tenantId, hash, role: 'admin', createdAt: new Date().toISOString() });
      await h.store.createApiKey({ id: 'k2', tenantId, hash: 'b'.repeat(64), role: 'tenant', createdAt: new Date().toISOString() });
      await h.store.deleteApiKey(tenantId, 'k2');
      await h.store.putMesh(tenantId, 'doomed', {});
      await h.store.commit({ tenantId, mesh: 'doomed', author: 'test', changes: [put(vs('web', 'x'))] });
      await h.store.deleteMesh(tenantId, 'doomed');
      await h.store.commit({ tenantId, mesh, author: 'a', message: 'one', changes: [put(vs('web', 'a')), put(resource('Gateway', 'edge', 'gw', { servers: [] }))] });
      await h.store.commit({ tenantId, mesh, author: 'b', changes: [put(vs('web', 'a', 3)), del(key('Gateway', 'edge', 'gw'))] });
      const read = async () => ({
        tenant: await h.store.getTenant(tenantId),
        keys: await h.store.listApiKeys(tenantId),
        byHash: await h.store.findApiKeyByHash(hash),
        meshes: await h.store.listMeshes(tenantId),
        doomed: await h.store.getMesh(tenantId, 'doomed'),
        head: await h.store.snapshot(tenantId, mesh),
        past: await h.store.snapshot(tenantId, mesh, 1),
        revisions: await h.store.listRevisions(tenantId, mesh),
      });
      const before = await read();

      await h.reopen();

      expect(await read()).toEqual(before);
      const next = await h.store.commit({ tenantId, mesh, author: 'c', changes: [put(vs('web', 'b'))] });
      expect(next.revision).toBe(3);
    });

    it('survives reopening twice, even with nothing written in between', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))] });

      await h.reopen();
      await h.reopen();

      expect((await h.store.getMesh(tenantId, mesh))!.revision).toBe(1);
    });
  });
}
