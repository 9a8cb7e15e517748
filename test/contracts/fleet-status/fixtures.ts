import type { FleetStatusStore, ProxyStatusRecord } from '../../../core/fleet/fleet-status.ts';
import type { Clock } from '../workload-registry/fixtures.ts';

export { manualClock, newTenant, type Clock } from '../workload-registry/fixtures.ts';

/** The store under test and the clock it reads. */
export interface Harness extends Clock {
  readonly fleet: FleetStatusStore;
}

export const TTL_MS = 60_000;

/** A record with only the required fields, written now and expiring TTL_MS after. */
export function record(h: Pick<Clock, 'now'>, tenantId: string, mesh: string, proxyId: string, overrides: Partial<ProxyStatusRecord> = {}): ProxyStatusRecord {
  const now = h.now();
  return {
    proxyId,
    tenantId,
    mesh,
    protocol: 'delta',
    connectedAt: now.toISOString(),
    types: { cds: { sent: 'v1', acked: 'v1', state: 'SYNCED' } },
    replica: 'replica-a',
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + TTL_MS).toISOString(),
    ...overrides,
  };
}

/** A record with every optional field set. */
export function fullRecord(h: Pick<Clock, 'now'>, tenantId: string, mesh: string, proxyId: string): ProxyStatusRecord {
  const at = h.now().toISOString();
  return record(h, tenantId, mesh, proxyId, {
    namespace: 'shop',
    serviceAccount: 'web',
    workload: 'web',
    address: '2001:db8::7',
    protocol: 'sotw',
    revision: 12,
    certificate: { spiffeId: `spiffe://${mesh}.${tenantId}.trellis.local/ns/shop/sa/web`, serialNumber: '5f3a9c', notAfter: '2031-01-02T03:04:05.000Z' },
    types: {
      cds: { sent: 'c2', acked: 'c2', state: 'SYNCED' },
      eds: { sent: 'e3', acked: 'e2', state: 'STALE' },
      lds: { sent: 'l4', acked: 'l3', state: 'NACKED', lastNack: { version: 'l4', message: 'duplicate listener 0.0.0.0_15001', at } },
      rds: { sent: 'r1', acked: 'r1', state: 'SYNCED' },
      sds: { sent: 's1', acked: 's1', state: 'SYNCED' },
    },
    registration: { state: 'registered', group: 'shop/web' },
    replica: 'arn:aws:ecs:eu-west-1:123456789012:task/trellis/0123abcd',
  });
}

export const proxyIds = (records: readonly ProxyStatusRecord[]): string[] => records.map((r) => r.proxyId);
