import { describe, expect, it } from 'vitest';
import { TTL_MS, ids, newTenant, workload, type Harness } from './fixtures.ts';

export function expiryContract(h: Harness): void {
  describe('expiry', () => {
    it('stops listing an entry once the clock reaches its expiresAt', async () => {
      const t = newTenant();
      await h.registry.put([workload(h, t, 'prod', 'a')]);

      h.advance(TTL_MS - 1);
      const before = await h.registry.list(t, 'prod');
      h.advance(1);
      const at = await h.registry.list(t, 'prod');

      expect(ids(before)).toEqual(['a']);
      expect(at).toEqual([]);
    });

    it('lists an expired entry again once a put refreshes it with a later expiresAt', async () => {
      const t = newTenant();
      const entry = workload(h, t, 'prod', 'a');
      await h.registry.put([entry]);
      h.advance(TTL_MS + 5_000);
      const expired = await h.registry.list(t, 'prod');

      const refreshed = { ...entry, expiresAt: new Date(h.now().getTime() + TTL_MS).toISOString() };
      await h.registry.put([refreshed]);

      expect(expired).toEqual([]);
      expect(await h.registry.list(t, 'prod')).toStrictEqual([refreshed]);
    });

    it('expires entries one by one: only those not refreshed disappear', async () => {
      const t = newTenant();
      const entries = ['a', 'b', 'c'].map((id) => workload(h, t, 'prod', id));
      await h.registry.put(entries);

      h.advance(TTL_MS / 2);
      const later = new Date(h.now().getTime() + TTL_MS).toISOString();
      await h.registry.put([{ ...entries[1]!, expiresAt: later }]);
      h.advance(TTL_MS / 2);

      expect(ids(await h.registry.list(t, 'prod'))).toEqual(['b']);
    });

    it('takes an expiresAt with a UTC offset at its instant', async () => {
      const t = newTenant();
      const inTenSeconds = new Date(h.now().getTime() + 10_000);
      // The same instant written as local time two hours ahead of UTC.
      const shifted = new Date(inTenSeconds.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
      await h.registry.put([workload(h, t, 'prod', 'a', { expiresAt: shifted })]);

      const live = await h.registry.list(t, 'prod');
      h.advance(10_000);

      expect(ids(live)).toEqual(['a']);
      expect(await h.registry.list(t, 'prod')).toEqual([]);
    });
  });
}
