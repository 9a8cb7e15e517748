import { describe, expect, it } from 'vitest';
import { newTenant, proxyIds, record, type Harness } from './fixtures.ts';

export function removalContract(h: Harness): void {
  describe('remove', () => {
    it('removes records held by the given replica and keeps those another replica holds', async () => {
      const t = newTenant();
      await h.fleet.put([record(h, t, 'prod', 'a', { replica: 'replica-a' }), record(h, t, 'prod', 'b', { replica: 'replica-b' }), record(h, t, 'prod', 'c', { replica: 'replica-a' })]);

      await h.fleet.remove(t, 'prod', ['a', 'b'], 'replica-a');

      expect(proxyIds(await h.fleet.list(t, 'prod'))).toEqual(['b', 'c']);
    });

    it('keeps the record of a proxy that reconnected to another replica when the old one removes it', async () => {
      const t = newTenant();
      await h.fleet.put([record(h, t, 'prod', 'a', { replica: 'replica-a' })]);
      const moved = record(h, t, 'prod', 'a', { replica: 'replica-b', revision: 4 });
      await h.fleet.put([moved]);

      await h.fleet.remove(t, 'prod', ['a'], 'replica-a');
      const kept = await h.fleet.list(t, 'prod');
      await h.fleet.remove(t, 'prod', ['a'], 'replica-b');

      expect(kept).toStrictEqual([moved]);
      expect(await h.fleet.list(t, 'prod')).toEqual([]);
    });

    it('removes missing ids, repeated ids, ids holding "#" and an empty list without error', async () => {
      const t = newTenant();
      await h.fleet.put([record(h, t, 'prod', 'a'), record(h, t, 'prod', 'b#1')]);

      await h.fleet.remove(t, 'prod', ['missing', 'a', 'a', 'b#1'], 'replica-a');
      await h.fleet.remove(t, 'prod', [], 'replica-a');
      await h.fleet.remove(newTenant(), 'prod', ['a'], 'replica-a');

      expect(await h.fleet.list(t, 'prod')).toEqual([]);
    });

    it('removes 25 records of one replica in one call and leaves the mesh\'s others', async () => {
      const t = newTenant();
      const ids = Array.from({ length: 25 }, (_, i) => `node-${String(i).padStart(2, '0')}`);
      await h.fleet.put([...ids.map((id) => record(h, t, 'prod', id)), record(h, t, 'prod', 'other', { replica: 'replica-b' })]);

      await h.fleet.remove(t, 'prod', ids, 'replica-a');

      expect(proxyIds(await h.fleet.list(t, 'prod'))).toEqual(['other']);
    });
  });
}
