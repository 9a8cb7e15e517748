import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../core/errors.ts';
import type { ApiKeyRecord } from '../../../core/store/config-store.ts';
import { allPages, isAscending, newTenant, uid, type Harness } from './fixtures.ts';

const apiKey = (tenantId: string, id: string): ApiKeyRecord => ({
  id,
  tenantId,
  hash: `${uid()}${uid()}`.padEnd(64, '0'),
  role: 'tenant',
  description: `key ${id}`,
  createdAt: new Date().toISOString(),
});

export function tenantContract(h: Harness): void {
  describe('tenants', () => {
    it('creates a tenant and reads it back', async () => {
      const created = await h.store.createTenant({ id: `t-${uid()}`, displayName: 'Acme' });

      expect(created.displayName).toBe('Acme');
      expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
      expect(await h.store.getTenant(created.id)).toEqual(created);
      expect(await h.store.getTenant(`missing-${uid()}`)).toBeUndefined();
    });

    it('refuses a duplicate tenant with ConflictError', async () => {
      const id = await newTenant(h.store);

      await expect(h.store.createTenant({ id })).rejects.toBeInstanceOf(ConflictError);
    });

    it('lists tenants by id, page by page', async () => {
      const prefix = `p-${uid()}`;
      const ids = ['c', 'a', 'e', 'b', 'd'].map((s) => `${prefix}-${s}`);
      for (const id of ids) await h.store.createTenant({ id });

      const { items, pages } = await allPages((p) => h.store.listTenants(p), 2);

      const listed = items.map((t) => t.id);
      expect(listed.filter((id) => id.startsWith(prefix))).toEqual([...ids].sort());
      expect(isAscending(listed)).toBe(true);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('rejects a bad page limit or cursor with ValidationError', async () => {
      await expect(h.store.listTenants({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
      await expect(h.store.listTenants({ limit: 1001 })).rejects.toBeInstanceOf(ValidationError);
      await expect(h.store.listTenants({ cursor: 'not a cursor' })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('API keys', () => {
    it('stores a key, finds it by hash and lists it', async () => {
      const tenantId = await newTenant(h.store);
      const b = apiKey(tenantId, 'key-b');
      const a = apiKey(tenantId, 'key-a');

      expect(await h.store.createApiKey(b)).toEqual(b);
      await h.store.createApiKey(a);

      expect(await h.store.findApiKeyByHash(b.hash)).toEqual(b);
      expect(await h.store.findApiKeyByHash('f'.repeat(64))).toBeUndefined();
      expect(await h.store.listApiKeys(tenantId)).toEqual([a, b]);
    });

    it('refuses a duplicate id or hash with ConflictError', async () => {
      const tenantId = await newTenant(h.store);
      const first = apiKey(tenantId, 'k1');
      await h.store.createApiKey(first);

      await expect(h.store.createApiKey({ ...apiKey(tenantId, 'k1') })).rejects.toBeInstanceOf(ConflictError);
      await expect(h.store.createApiKey({ ...apiKey(tenantId, 'k2'), hash: first.hash })).rejects.toBeInstanceOf(ConflictError);
      expect(await h.store.listApiKeys(tenantId)).toEqual([first]);
    });

    it('needs an existing tenant', async () => {
      const ghost = `ghost-${uid()}`;

      await expect(h.store.createApiKey(apiKey(ghost, 'k'))).rejects.toBeInstanceOf(NotFoundError);
      await expect(h.store.listApiKeys(ghost)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deletes a key; deleting it again is NotFoundError', async () => {
      const tenantId = await newTenant(h.store);
      const key = apiKey(tenantId, 'k1');
      await h.store.createApiKey(key);

      await h.store.deleteApiKey(tenantId, key.id);

      expect(await h.store.findApiKeyByHash(key.hash)).toBeUndefined();
      expect(await h.store.listApiKeys(tenantId)).toEqual([]);
      await expect(h.store.deleteApiKey(tenantId, key.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("keeps one tenant's keys out of another's reach", async () => {
      const [a, b] = [await newTenant(h.store), await newTenant(h.store)];
      const key = apiKey(a, 'shared-id');
      await h.store.createApiKey(key);

      expect(await h.store.listApiKeys(b)).toEqual([]);
      await expect(h.store.deleteApiKey(b, key.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await h.store.findApiKeyByHash(key.hash)).toEqual(key);
    });
  });
}
