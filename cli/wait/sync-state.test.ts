import { describe, expect, it } from 'vitest';
import type { ProxyView } from '../api-types.ts';
import { syncState } from './sync-state.ts';

const proxy = (id: string, revision: number | undefined, states: Record<string, 'SYNCED' | 'STALE' | 'NACKED'>, nack?: string): ProxyView => ({
  proxyId: id,
  protocol: 'delta',
  connectedAt: '2026-01-01T00:00:00Z',
  ...(revision !== undefined ? { revision } : {}),
  types: Object.fromEntries(Object.entries(states).map(([t, state]) => [t, { state, ...(state === 'NACKED' && nack ? { lastNack: { version: 'v9', message: nack, at: 'now' } } : {}) }])),
});

describe('syncState', () => {
  it('counts a proxy synced only at or after the revision with every type SYNCED', () => {
    const s = syncState([proxy('a', 5, { cds: 'SYNCED', lds: 'SYNCED' }), proxy('b', 6, { cds: 'SYNCED' }), proxy('c', 4, { cds: 'SYNCED' }), proxy('d', 5, { cds: 'SYNCED', rds: 'STALE' })], 5);
    expect(s.synced).toBe(2);
    expect(s.total).toBe(4);
    expect(s.pending).toEqual([
      { proxyId: 'c', reason: 'at revision 4' },
      { proxyId: 'd', reason: 'RDS STALE' },
    ]);
    expect(s.rejected).toEqual([]);
  });

  it('reports NACKs of the revision with Envoy\'s message', () => {
    const s = syncState([proxy('a', 5, { cds: 'SYNCED', lds: 'NACKED' }, 'duplicate listener')], 5);
    expect(s.rejected).toEqual([{ proxyId: 'a', type: 'lds', version: 'v9', message: 'duplicate listener' }]);
  });

  it('is trivially complete with no proxies', () => {
    expect(syncState([], 3)).toEqual({ synced: 0, total: 0, pending: [], rejected: [] });
  });
});
