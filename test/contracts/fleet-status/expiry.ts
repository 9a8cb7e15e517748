import { describe, expect, it } from 'vitest';
import { TTL_MS, newTenant, proxyIds, record, type Harness } from './fixtures.ts';

export function expiryContract(h: Harness): void {
  describe('expiry', () => {
    it('stops listing a record once the clock reaches its expiresAt', async () => {
      const t = newTenant();
      await h.fleet.put([record(h, t, 'prod', 'a')]);

      h.advance(TTL_MS - 1);
      const before = await h.fleet.list(t, 'prod');
      h.advance(1);
      const at = await h.fleet.list(t, 'prod');

      expect(proxyIds(before)).toEqual(['a']);
      expect(at).toEqual([]);
    });

    it('keeps a record listed while a heartbeat rewrites it with a later expiresAt, and its updatedAt as written', async () => {
      const t = newTenant();
      const first = record(h, t, 'prod', 'a');
      await h.fleet.put([first]);
      h.advance(TTL_MS / 3);
      const heartbeat = { ...first, expiresAt: new Date(h.now().getTime() + TTL_MS).toISOString() };
      await h.fleet.put([heartbeat]);

      h.advance(TTL_MS - 1);

      expect(await h.fleet.list(t, 'prod')).toStrictEqual([heartbeat]);
      expect((await h.fleet.list(t, 'prod'))[0]!.updatedAt).toBe(first.updatedAt);
    });

    it('expires records one by one: only those not rewritten disappear', async () => {
      const t = newTenant();
      const records = ['a', 'b', 'c'].map((id) => record(h, t, 'prod', id));
      await h.fleet.put(records);

      h.advance(TTL_MS / 2);
      await h.fleet.put([{ ...records[1]!, expiresAt: new Date(h.now().getTime() + TTL_MS).toISOString() }]);
      h.advance(TTL_MS / 2);

      expect(proxyIds(await h.fleet.list(t, 'prod'))).toEqual(['b']);
    });

    it('takes an expiresAt with a UTC offset at its instant', async () => {
      const t = newTenant();
      const inTenSeconds = new Date(h.now().getTime() + 10_000);
      const shifted = new Date(inTenSeconds.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
      await h.fleet.put([record(h, t, 'prod', 'a', { expiresAt: shifted })]);

      const live = await h.fleet.list(t, 'prod');
      h.advance(10_000);

      expect(proxyIds(live)).toEqual(['a']);
      expect(await h.fleet.list(t, 'prod')).toEqual([]);
    });
  });
}
