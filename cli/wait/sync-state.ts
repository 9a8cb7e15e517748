import type { ProxyView } from '../api-types.ts';

export interface Rejection {
  proxyId: string;
  type: string;
  version: string;
  message: string;
}

export interface SyncState {
  synced: number;
  total: number;
  /** Proxies not yet at the revision, with why. */
  pending: { proxyId: string; reason: string }[];
  /** NACKs of config at or after the revision: waiting longer will not help. */
  rejected: Rejection[];
}

/** A proxy is synced when it was sent `revision` or later and every type it uses is SYNCED (acked what was sent). */
export function syncState(proxies: readonly ProxyView[], revision: number): SyncState {
  const state: SyncState = { synced: 0, total: proxies.length, pending: [], rejected: [] };
  for (const p of proxies) {
    const types = Object.entries(p.types);
    const atRevision = (p.revision ?? 0) >= revision;
    const notSynced = types.filter(([, t]) => t?.state !== 'SYNCED');
    if (atRevision && notSynced.length === 0) {
      state.synced++;
      continue;
    }
    for (const [type, t] of notSynced) {
      if (atRevision && t?.state === 'NACKED' && t.lastNack) state.rejected.push({ proxyId: p.proxyId, type, version: t.lastNack.version, message: t.lastNack.message });
    }
    const reason = !atRevision ? `at revision ${p.revision ?? 'none'}` : notSynced.map(([type, t]) => `${type.toUpperCase()} ${t?.state ?? 'unknown'}`).join(', ');
    state.pending.push({ proxyId: p.proxyId, reason });
  }
  return state;
}
