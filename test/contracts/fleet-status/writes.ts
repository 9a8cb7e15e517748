import { describe, expect, it } from 'vitest';
import { fullRecord, newTenant, proxyIds, record, type Harness } from './fixtures.ts';

export function writeContract(h: Harness): void {
  describe('put and list', () => {
    it('lists what was put, sorted by proxy id, every field as written and absent fields absent', async () => {
      const t = newTenant();
      const full = fullRecord(h, t, 'prod', 'sidecar~10.0.0.7~web-1.shop~shop.svc.cluster.local');
      const minimal = record(h, t, 'prod', 'node-10');
      const withHash = record(h, t, 'prod', 'Node#3');

      await h.fleet.put([minimal, full, withHash]);
      const listed = await h.fleet.list(t, 'prod');

      expect(proxyIds(listed)).toEqual(['Node#3', 'node-10', 'sidecar~10.0.0.7~web-1.shop~shop.svc.cluster.local']);
      expect(listed[2]).toStrictEqual(full);
      expect(listed[1]).toStrictEqual(minimal);
      expect(listed[0]).toStrictEqual(withHash);
    });

    it('lists nothing for a mesh that has no records', async () => {
      expect(await h.fleet.list(newTenant(), 'prod')).toEqual([]);
    });

    it('replaces a record put again with the same proxy id, dropping fields the new one lacks', async () => {
      const t = newTenant();
      await h.fleet.put([fullRecord(h, t, 'prod', 'a')]);
      const replacement = record(h, t, 'prod', 'a', { replica: 'replica-b', revision: 13 });

      await h.fleet.put([replacement]);

      expect(await h.fleet.list(t, 'prod')).toStrictEqual([replacement]);
    });

    it('lets the later of two records with one proxy id in a single put win', async () => {
      const t = newTenant();

      await h.fleet.put([record(h, t, 'prod', 'a', { revision: 1 }), record(h, t, 'prod', 'b'), record(h, t, 'prod', 'a', { revision: 2 })]);

      expect((await h.fleet.list(t, 'prod')).map((r) => [r.proxyId, r.revision])).toEqual([
        ['a', 2],
        ['b', undefined],
      ]);
    });

    it('accepts an empty put', async () => {
      await expect(h.fleet.put([])).resolves.toBeUndefined();
    });

    it('keeps meshes and tenants apart, also for equal proxy ids', async () => {
      const [t1, t2] = [newTenant(), newTenant()];
      await h.fleet.put([record(h, t1, 'prod', 'a', { revision: 1 }), record(h, t1, 'dev', 'a', { revision: 2 }), record(h, t2, 'prod', 'a', { revision: 3 })]);

      const revisions = async (t: string, mesh: string) => (await h.fleet.list(t, mesh)).map((r) => r.revision);

      expect(await revisions(t1, 'prod')).toEqual([1]);
      expect(await revisions(t1, 'dev')).toEqual([2]);
      expect(await revisions(t2, 'prod')).toEqual([3]);
      expect(await revisions(t2, 'dev')).toEqual([]);
    });

    it('stores copies: changing what was put or what was listed changes nothing stored', async () => {
      const t = newTenant();
      const put = fullRecord(h, t, 'prod', 'a');
      const expected = structuredClone(put);
      await h.fleet.put([put]);

      put.types.cds!.state = 'NACKED';
      put.certificate!.serialNumber = 'changed';
      const [listed] = await h.fleet.list(t, 'prod');
      listed!.types.lds!.lastNack!.message = 'changed';
      listed!.revision = 99;

      expect(await h.fleet.list(t, 'prod')).toStrictEqual([expected]);
    });

    it('writes 60 records across two meshes in one put', async () => {
      const t = newTenant();
      const pad = (i: number) => String(i).padStart(2, '0');
      const records = Array.from({ length: 60 }, (_, i) => record(h, t, i % 2 === 0 ? 'prod' : 'dev', `node-${pad(i)}`, { revision: i }));

      await h.fleet.put(records);

      expect(await h.fleet.list(t, 'prod')).toStrictEqual(records.filter((_, i) => i % 2 === 0));
      expect(await h.fleet.list(t, 'dev')).toStrictEqual(records.filter((_, i) => i % 2 === 1));
    });

    it('rejects every call once closed', async () => {
      const t = newTenant();
      await h.fleet.close();

      await expect(h.fleet.put([record(h, t, 'prod', 'a')])).rejects.toThrow(/closed/);
      await expect(h.fleet.list(t, 'prod')).rejects.toThrow(/closed/);
      await expect(h.fleet.remove(t, 'prod', ['a'], 'replica-a')).rejects.toThrow(/closed/);
    });
  });
}
