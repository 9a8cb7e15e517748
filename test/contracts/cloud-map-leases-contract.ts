import { beforeEach, describe, expect, it } from 'vitest';
import type { CloudMapSourceLeases, CloudMapSourceRef } from '../../core/registry/cloud-map-source-status.ts';
import { MAX_POLL_ERROR_LENGTH } from '../../core/registry/cloud-map-source-status.ts';

/**
 * The CloudMapSourceLeases contract of `core/registry/cloud-map-source-status.ts`: one holder at a
 * time, takeover after the lease lapses, outcomes written by the holder only. Tenant ids are unique
 * per test, so an implementation may share backing data between tests (one DynamoDB table).
 */
export function cloudMapLeasesContract(name: string, makeLeases: (now: () => Date) => CloudMapSourceLeases): void {
  describe(`CloudMapSourceLeases contract: ${name}`, () => {
    let time = Date.parse('2026-12-05T10:00:00.000Z');
    let leases: CloudMapSourceLeases;
    let tenants = 0;
    let ref: CloudMapSourceRef;
    const advance = (ms: number) => (time += ms);

    beforeEach(() => {
      time = Date.parse('2026-12-05T10:00:00.000Z');
      leases = makeLeases(() => new Date(time));
      ref = { tenantId: `t${++tenants}-${Math.random().toString(36).slice(2, 8)}`, mesh: 'shop', cloudMapNamespace: 'shop.local', service: 'reviews' };
    });

    it('lets one holder take a free source and renew it, and refuses another until the lease lapses', async () => {
      expect(await leases.acquire(ref, 'replica-a', 60_000)).toBe(true);
      expect(await leases.acquire(ref, 'replica-b', 60_000)).toBe(false);
      advance(50_000);
      expect(await leases.acquire(ref, 'replica-a', 60_000)).toBe(true);
      advance(59_999);
      // Renewed at 50 s, so still held just before 110 s.
      expect(await leases.acquire(ref, 'replica-b', 60_000)).toBe(false);
      advance(1);
      // At 110 s the lease renewed at 50 s ends, and is free.
      expect(await leases.acquire(ref, 'replica-b', 60_000)).toBe(true);
      expect(await leases.acquire(ref, 'replica-a', 60_000)).toBe(false);
      expect((await leases.list(ref.tenantId, ref.mesh)).map((s) => [s.holder, s.leaseExpiresAt])).toEqual([['replica-b', new Date(time + 60_000).toISOString()]]);
    });

    it('records outcomes from the holder only: failures add up, a success resets them and keeps the last error', async () => {
      await leases.acquire(ref, 'replica-a', 60_000);
      expect(await leases.record(ref, 'replica-b', { ok: true, instances: 1, skipped: 0, filtered: 0 })).toBe(false);
      expect(await leases.record(ref, 'replica-a', { ok: true, instances: 3, skipped: 1, filtered: 2 })).toBe(true);
      const okAt = new Date(time).toISOString();
      advance(1000);
      await leases.record(ref, 'replica-a', { ok: false, error: 'Cloud Map namespace shop.local does not exist' });
      advance(1000);
      await leases.record(ref, 'replica-a', { ok: false, error: 'still gone' });
      const failedAt = new Date(time).toISOString();
      expect(await leases.list(ref.tenantId, ref.mesh)).toEqual([
        { cloudMapNamespace: 'shop.local', service: 'reviews', holder: 'replica-a', leaseExpiresAt: new Date(Date.parse(okAt) + 60_000).toISOString(), lastAttemptAt: failedAt, lastSuccessAt: okAt, lastError: 'still gone', lastErrorAt: failedAt, consecutiveFailures: 2, instances: 3, skipped: 1, filtered: 2 },
      ]);
      advance(1000);
      await leases.record(ref, 'replica-a', { ok: true, instances: 2, skipped: 0, filtered: 0 });
      expect((await leases.list(ref.tenantId, ref.mesh))[0]).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: new Date(time).toISOString(), lastError: 'still gone', lastErrorAt: failedAt, instances: 2, skipped: 0, filtered: 0 });
    });

    it('carries the failures over to the replica that takes the source over', async () => {
      await leases.acquire(ref, 'replica-a', 10_000);
      await leases.record(ref, 'replica-a', { ok: false, error: 'AccessDenied' });
      advance(11_000);
      expect(await leases.acquire(ref, 'replica-b', 10_000)).toBe(true);
      await leases.record(ref, 'replica-b', { ok: false, error: 'AccessDenied' });
      expect(await leases.record(ref, 'replica-a', { ok: true, instances: 1, skipped: 0, filtered: 0 })).toBe(false);
      expect((await leases.list(ref.tenantId, ref.mesh))[0]).toMatchObject({ holder: 'replica-b', consecutiveFailures: 2, lastError: 'AccessDenied' });
    });

    it('release hands the source over at once, and only the holder can release it', async () => {
      await leases.acquire(ref, 'replica-a', 60_000);
      await leases.release(ref, 'replica-b');
      expect(await leases.acquire(ref, 'replica-b', 60_000)).toBe(false);
      await leases.release(ref, 'replica-a');
      expect(await leases.acquire(ref, 'replica-b', 60_000)).toBe(true);
    });

    it('keeps sources, meshes and tenants apart, lists in order, and forgets what it is told to', async () => {
      const other = { ...ref, service: 'details' };
      const otherNamespace = { ...ref, cloudMapNamespace: 'a.local', service: 'zeta' };
      for (const r of [ref, other, otherNamespace, { ...ref, mesh: 'other' }]) expect(await leases.acquire(r, 'replica-a', 60_000)).toBe(true);
      expect(await leases.acquire(other, 'replica-b', 60_000)).toBe(false);
      expect((await leases.list(ref.tenantId, ref.mesh)).map((s) => `${s.cloudMapNamespace}/${s.service}`)).toEqual(['a.local/zeta', 'shop.local/details', 'shop.local/reviews']);
      await leases.forget(ref.tenantId, ref.mesh, [other, otherNamespace]);
      expect((await leases.list(ref.tenantId, ref.mesh)).map((s) => s.service)).toEqual(['reviews']);
      expect((await leases.list(ref.tenantId, 'other')).map((s) => s.service)).toEqual(['reviews']);
      expect(await leases.list(`${ref.tenantId}x`, ref.mesh)).toEqual([]);
      // A forgotten source is free again.
      expect(await leases.acquire(other, 'replica-b', 60_000)).toBe(true);
    });

    it('bounds a stored error message', async () => {
      await leases.acquire(ref, 'replica-a', 60_000);
      await leases.record(ref, 'replica-a', { ok: false, error: 'x'.repeat(100_000) });
      const [status] = await leases.list(ref.tenantId, ref.mesh);
      expect(status!.lastError!.length).toBe(MAX_POLL_ERROR_LENGTH);
    });
  });
}
