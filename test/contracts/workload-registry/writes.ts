import { describe, expect, it } from 'vitest';
import { fullWorkload, ids, newTenant, workload, type Harness } from './fixtures.ts';

export function writeContract(h: Harness): void {
  describe('put and list', () => {
    it('lists what was put, sorted by id, every field as written and absent fields absent', async () => {
      const t = newTenant();
      const full = fullWorkload(h, t, 'prod', 'spiffe://prod/ns/shop/sa/web@node-2');
      const minimal = workload(h, t, 'prod', 'node-10');
      const other = workload(h, t, 'prod', 'Node-3', { address: '10.0.0.3' });

      await h.registry.put([minimal, full, other]);
      const listed = await h.registry.list(t, 'prod');

      expect(ids(listed)).toEqual(['Node-3', 'node-10', 'spiffe://prod/ns/shop/sa/web@node-2']);
      expect(listed[2]).toStrictEqual(full);
      expect(listed[1]).toStrictEqual(minimal);
      expect(Object.keys(listed[1]!).sort()).toEqual(Object.keys(minimal).sort());
    });

    it('lists nothing for a mesh that has no entries', async () => {
      expect(await h.registry.list(newTenant(), 'prod')).toEqual([]);
    });

    it('replaces an entry put again with the same id, dropping fields the new one lacks', async () => {
      const t = newTenant();
      await h.registry.put([fullWorkload(h, t, 'prod', 'a')]);
      const replacement = workload(h, t, 'prod', 'a', { address: '10.0.0.9', labels: { app: 'api' }, replica: 'replica-b' });

      await h.registry.put([replacement]);

      expect(await h.registry.list(t, 'prod')).toStrictEqual([replacement]);
    });

    it('lets the later of two entries with one id in a single put win', async () => {
      const t = newTenant();
      const first = workload(h, t, 'prod', 'a', { address: '10.0.0.1' });
      const second = workload(h, t, 'prod', 'a', { address: '10.0.0.2' });

      await h.registry.put([first, workload(h, t, 'prod', 'b'), second]);

      expect((await h.registry.list(t, 'prod')).map((e) => [e.id, e.address])).toEqual([
        ['a', '10.0.0.2'],
        ['b', '10.0.0.1'],
      ]);
    });

    it('accepts an empty put', async () => {
      await expect(h.registry.put([])).resolves.toBeUndefined();
    });

    it('keeps meshes and tenants apart, also for equal ids', async () => {
      const [t1, t2] = [newTenant(), newTenant()];
      await h.registry.put([workload(h, t1, 'prod', 'a', { address: '10.0.1.1' }), workload(h, t1, 'dev', 'a', { address: '10.0.1.2' }), workload(h, t2, 'prod', 'a', { address: '10.0.2.1' })]);

      const addresses = async (t: string, mesh: string) => (await h.registry.list(t, mesh)).map((e) => e.address);

      expect(await addresses(t1, 'prod')).toEqual(['10.0.1.1']);
      expect(await addresses(t1, 'dev')).toEqual(['10.0.1.2']);
      expect(await addresses(t2, 'prod')).toEqual(['10.0.2.1']);
      expect(await addresses(t2, 'dev')).toEqual([]);
    });

    it('stores copies: changing what was put or what was listed changes nothing stored', async () => {
      const t = newTenant();
      const entry = fullWorkload(h, t, 'prod', 'a');
      const expected = structuredClone(entry);
      await h.registry.put([entry]);

      entry.labels.app = 'changed';
      entry.ports!.http = 1;
      const [listed] = await h.registry.list(t, 'prod');
      listed!.labels.version = 'changed';
      listed!.address = '10.9.9.9';

      expect(await h.registry.list(t, 'prod')).toStrictEqual([expected]);
    });

    it('writes 60 entries across two meshes in one put, and refreshes them all in another', async () => {
      const t = newTenant();
      const pad = (i: number) => String(i).padStart(2, '0');
      const entries = Array.from({ length: 60 }, (_, i) => workload(h, t, i % 2 === 0 ? 'prod' : 'dev', `node-${pad(i)}`, { address: `10.0.0.${i + 1}` }));

      await h.registry.put(entries);
      const prod = await h.registry.list(t, 'prod');
      const dev = await h.registry.list(t, 'dev');
      h.advance(20_000);
      const later = new Date(h.now().getTime() + 30_000).toISOString();
      await h.registry.put(entries.map((e) => ({ ...e, expiresAt: later })));
      h.advance(20_000);

      expect(ids(prod)).toEqual(entries.filter((_, i) => i % 2 === 0).map((e) => e.id));
      expect(ids(dev)).toEqual(entries.filter((_, i) => i % 2 === 1).map((e) => e.id));
      expect(prod.map((e) => e.address)).toEqual(entries.filter((_, i) => i % 2 === 0).map((e) => e.address));
      expect((await h.registry.list(t, 'prod')).map((e) => e.expiresAt)).toEqual(Array(30).fill(later));
      expect(await h.registry.list(t, 'dev')).toHaveLength(30);
    });

    it('rejects every call once closed', async () => {
      const t = newTenant();
      await h.registry.close();

      await expect(h.registry.put([workload(h, t, 'prod', 'a')])).rejects.toThrow(/closed/);
      await expect(h.registry.list(t, 'prod')).rejects.toThrow(/closed/);
      await expect(h.registry.remove(t, 'prod', ['a'], 'replica-a')).rejects.toThrow(/closed/);
      await expect(h.registry.removeMesh(t, 'prod')).rejects.toThrow(/closed/);
    });
  });
}
