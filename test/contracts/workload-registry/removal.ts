import { describe, expect, it } from 'vitest';
import { ids, newTenant, workload, type Harness } from './fixtures.ts';

export function removalContract(h: Harness): void {
  describe('remove and removeMesh', () => {
    it('removes entries held by the given replica and keeps those another replica holds', async () => {
      const t = newTenant();
      await h.registry.put([workload(h, t, 'prod', 'a', { replica: 'replica-a' }), workload(h, t, 'prod', 'b', { replica: 'replica-b' }), workload(h, t, 'prod', 'c', { replica: 'replica-a' })]);

      await h.registry.remove(t, 'prod', ['a', 'b'], 'replica-a');

      expect(ids(await h.registry.list(t, 'prod'))).toEqual(['b', 'c']);
    });

    it('keeps an entry that moved to another replica when the old one removes it', async () => {
      const t = newTenant();
      await h.registry.put([workload(h, t, 'prod', 'a', { replica: 'replica-a' })]);
      const moved = workload(h, t, 'prod', 'a', { replica: 'replica-b', address: '10.0.0.2' });
      await h.registry.put([moved]);

      await h.registry.remove(t, 'prod', ['a'], 'replica-a');
      const kept = await h.registry.list(t, 'prod');
      await h.registry.remove(t, 'prod', ['a'], 'replica-b');

      expect(kept).toStrictEqual([moved]);
      expect(await h.registry.list(t, 'prod')).toEqual([]);
    });

    it('removes missing ids, repeated ids and an empty list without error', async () => {
      const t = newTenant();
      await h.registry.put([workload(h, t, 'prod', 'a')]);

      await h.registry.remove(t, 'prod', ['missing', 'a', 'a'], 'replica-a');
      await h.registry.remove(t, 'prod', [], 'replica-a');
      await h.registry.remove(newTenant(), 'prod', ['a'], 'replica-a');

      expect(await h.registry.list(t, 'prod')).toEqual([]);
    });

    it('removes only the named mesh', async () => {
      const t = newTenant();
      await h.registry.put([workload(h, t, 'prod', 'a'), workload(h, t, 'prod', 'b', { replica: 'replica-b' }), workload(h, t, 'dev', 'a')]);

      await h.registry.removeMesh(t, 'prod');
      await h.registry.removeMesh(t, 'empty');

      expect(await h.registry.list(t, 'prod')).toEqual([]);
      expect(ids(await h.registry.list(t, 'dev'))).toEqual(['a']);
    });

    it('removes a mesh of many entries, expired ones included, and takes new entries after', async () => {
      const t = newTenant();
      await h.registry.put(Array.from({ length: 40 }, (_, i) => workload(h, t, 'prod', `node-${i}`)));
      h.advance(60_000);
      await h.registry.put([workload(h, t, 'prod', 'fresh')]);

      await h.registry.removeMesh(t, 'prod');
      const afterRemoval = await h.registry.list(t, 'prod');
      h.advance(-60_000);
      const expiredAreGone = await h.registry.list(t, 'prod');
      await h.registry.put([workload(h, t, 'prod', 'again')]);

      expect(afterRemoval).toEqual([]);
      expect(expiredAreGone).toEqual([]);
      expect(ids(await h.registry.list(t, 'prod'))).toEqual(['again']);
    });
  });
}
