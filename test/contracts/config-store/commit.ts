import { describe, expect, it } from 'vitest';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../../core/errors.ts';
import type { IstioResource } from '../../../core/resources/resource.ts';
import type { Change, ConfigStore } from '../../../core/store/config-store.ts';
import { del, key, keyOfResource, names, newMesh, put, resource, vs, type Harness } from './fixtures.ts';

/** Everything a failed commit must leave untouched. */
async function state(store: ConfigStore, tenantId: string, mesh: string) {
  return {
    mesh: await store.getMesh(tenantId, mesh),
    snapshot: await store.snapshot(tenantId, mesh),
    revisions: await store.listRevisions(tenantId, mesh),
  };
}

export function commitContract(h: Harness): void {
  describe('commit', () => {
    it('writes several resources atomically as one revision', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const rs = [vs('web', 'front'), resource('DestinationRule', 'web', 'front', { host: 'front' }), resource('ServiceEntry', 'ext', 'api', { hosts: ['api.example.com'] })];

      const result = await h.store.commit({ tenantId, mesh, author: 'key-1', message: 'first', changes: rs.map((r) => put(r)) });

      expect(result).toMatchObject({ revision: 1, created: true });
      expect(result.changes).toEqual(rs.map((r) => ({ ...keyOfResource(r), action: 'created' })));
      expect(result.resources.map((r) => r.metadata.resourceVersion)).toEqual(['1', '1', '1']);
      expect(result.resources.map((r) => r.spec)).toEqual(rs.map((r) => r.spec));
      expect((await h.store.getMesh(tenantId, mesh))!.revision).toBe(1);
      expect((await h.store.listRevisions(tenantId, mesh)).items).toHaveLength(1);
    });

    it('numbers revisions 1, 2, 3 and versions each resource by the revision that last wrote it', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const commit = (changes: Change[]) => h.store.commit({ tenantId, mesh, author: 'test', changes });

      expect((await commit([put(vs('web', 'a')), put(vs('web', 'b'))])).revision).toBe(1);
      expect((await commit([put(vs('web', 'a', 50))])).revision).toBe(2);
      expect((await commit([put(vs('web', 'c'))])).revision).toBe(3);

      const versions = (await h.store.snapshot(tenantId, mesh)).resources.map((r) => [r.metadata.name, r.metadata.resourceVersion]);
      expect(versions).toEqual([['a', '2'], ['b', '1'], ['c', '3']]);
    });

    it('stores apiVersion as v1 and ignores an input resourceVersion', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const old: IstioResource = { ...vs('web', 'a'), apiVersion: 'networking.istio.io/v1beta1', metadata: { name: 'a', namespace: 'web', resourceVersion: '99' } };

      const { resources } = await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(old)] });

      expect(resources[0]!.apiVersion).toBe('networking.istio.io/v1');
      expect(resources[0]!.metadata.resourceVersion).toBe('1');
    });

    it('checks expectedVersion on puts: null must not exist, a string must match', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const commit = (changes: Change[]) => h.store.commit({ tenantId, mesh, author: 'test', changes });
      await commit([put(vs('web', 'a'), null)]);

      await expect(commit([put(vs('web', 'a', 10), null)])).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(commit([put(vs('web', 'a', 10), '7')])).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(commit([put(vs('web', 'missing'), '1')])).rejects.toBeInstanceOf(PreconditionFailedError);

      const ok = await commit([put(vs('web', 'a', 10), '1')]);
      expect(ok).toMatchObject({ revision: 2, changes: [{ action: 'updated', previousVersion: '1' }] });
    });

    it('checks expectedVersion on deletes; a missing resource is NotFoundError', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const commit = (changes: Change[]) => h.store.commit({ tenantId, mesh, author: 'test', changes });
      await commit([put(vs('web', 'a'))]);

      await expect(commit([del(key('VirtualService', 'web', 'a'), '5')])).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(commit([del(key('VirtualService', 'web', 'nope'))])).rejects.toBeInstanceOf(NotFoundError);

      const ok = await commit([del(key('VirtualService', 'web', 'a'), '1')]);
      expect(ok.changes).toEqual([{ kind: 'VirtualService', namespace: 'web', name: 'a', action: 'deleted', previousVersion: '1' }]);
      expect(await h.store.getResource(tenantId, mesh, key('VirtualService', 'web', 'a'))).toBeUndefined();
    });

    it.each([
      ['first', 0],
      ['middle', 2],
      ['last', 4],
    ])('changes nothing when the %s change fails', async (_where, at) => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'keep')), put(vs('web', 'gone')), put(vs('web', 'edit'))] });
      const before = await state(h.store, tenantId, mesh);
      const changes: Change[] = [put(vs('web', 'new1')), put(vs('web', 'edit', 5), '1'), del(key('VirtualService', 'web', 'gone')), put(vs('web', 'new2'), null), put(vs('web', 'new3'))];
      changes[at] = del(key('VirtualService', 'web', 'never-existed'));

      await expect(h.store.commit({ tenantId, mesh, author: 'test', changes })).rejects.toBeInstanceOf(NotFoundError);
      changes[at] = put(vs('web', 'keep', 1), '42');
      await expect(h.store.commit({ tenantId, mesh, author: 'test', changes })).rejects.toBeInstanceOf(PreconditionFailedError);

      expect(await state(h.store, tenantId, mesh)).toEqual(before);
    });

    it('treats puts of equal content as no-ops and creates no revision when nothing changed', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const original = resource('DestinationRule', 'web', 'a', { host: 'a', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, loadBalancer: { simple: 'ROUND_ROBIN' } } }, { app: 'a' });
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(original), put(vs('web', 'b'))] });
      const reordered = resource('DestinationRule', 'web', 'a', { trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, tls: { mode: 'ISTIO_MUTUAL' } }, host: 'a' }, { app: 'a' });

      const same = await h.store.commit({ tenantId, mesh, author: 'test', changes: [put({ ...reordered, apiVersion: 'networking.istio.io/v1beta1' })] });
      expect(same).toMatchObject({ revision: 1, created: false, changes: [] });
      expect(same.resources[0]!.metadata.resourceVersion).toBe('1');

      const mixed = await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(original), put(vs('web', 'b', 30))] });
      expect(mixed).toMatchObject({ revision: 2, created: true, changes: [{ name: 'b', action: 'updated' }] });
      expect(mixed.resources.map((r) => r.metadata.resourceVersion)).toEqual(['1', '2']);

      const relabelled = await h.store.commit({ tenantId, mesh, author: 'test', changes: [put({ ...original, metadata: { ...original.metadata, labels: { app: 'b' } } })] });
      expect(relabelled).toMatchObject({ revision: 3, created: true });

      const empty = await h.store.commit({ tenantId, mesh, author: 'test', changes: [] });
      expect(empty).toMatchObject({ revision: 3, created: false });
    });

    it('checks expectedRevision against the head', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'a'))], expectedRevision: 0 });

      await expect(h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'b'))], expectedRevision: 0 })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await h.store.getMesh(tenantId, mesh))!.revision).toBe(1);

      expect((await h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'b'))], expectedRevision: 1 })).revision).toBe(2);
    });

    it('rejects the same key twice in one commit, and malformed keys, with ValidationError', async () => {
      const { tenantId, mesh } = await newMesh(h.store);
      const commit = (changes: Change[]) => h.store.commit({ tenantId, mesh, author: 'test', changes });

      await expect(commit([put(vs('web', 'a')), put(vs('web', 'a', 10))])).rejects.toBeInstanceOf(ValidationError);
      await expect(commit([put(vs('web', 'a')), del(key('VirtualService', 'web', 'a'))])).rejects.toBeInstanceOf(ValidationError);
      await expect(commit([put(vs('', 'a'))])).rejects.toBeInstanceOf(ValidationError);
      await expect(commit([put({ ...vs('web', 'a'), kind: 'Deployment' as never })])).rejects.toBeInstanceOf(ValidationError);
      expect((await h.store.getMesh(tenantId, mesh))!.revision).toBe(0);
    });

    it('needs an existing tenant and mesh', async () => {
      const { tenantId } = await newMesh(h.store);

      await expect(h.store.commit({ tenantId, mesh: 'absent', author: 'test', changes: [put(vs('web', 'a'))] })).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.commit({ tenantId: 'absent-tenant', mesh: 'prod', author: 'test', changes: [put(vs('web', 'a'))] })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('serialises concurrent commits: distinct keys all land, a contested create lands once', async () => {
      const { tenantId, mesh } = await newMesh(h.store);

      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', `r${i}`), null)] })));
      expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

      const contested = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => h.store.commit({ tenantId, mesh, author: 'test', changes: [put(vs('web', 'one', i), null)] })));
      expect(contested.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of contested) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      expect(names((await h.store.snapshot(tenantId, mesh)).resources)).toHaveLength(9);
    });
  });
}
