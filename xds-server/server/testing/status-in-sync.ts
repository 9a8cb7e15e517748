import type { ResourceCache } from '../../cache/index.ts';
import type { ProxyStatus, TypeStatus } from '../proxy-status.ts';

/**
 * Whether a stream holds exactly what the cache serves its scope, read from its status as the API
 * shows it: for every type it tracks, the proxy acknowledged every resource it was sent, at the
 * version the cache has now, and (for wildcard types) holds nothing the cache dropped. A NACKed or
 * held-back update is not in sync. The definition the sessions' `inSync` must agree with
 * (stream-in-sync.test.ts).
 */
export function streamInSync(status: ProxyStatus, cache: ResourceCache): boolean {
  return status.types.every((t) => typeInSync(t, cache.resources(status.scope, t.typeUrl)));
}

/** Whether a stream holds exactly `served` of one type, by its status (the sessions' `inSync` decides the same without building the status). */
export function typeInSync(t: TypeStatus, served: ReadonlyMap<string, { readonly version: string }>): boolean {
  // Asked for but never served (nothing published for the type): nothing to hold.
  if (t.versionSent === '' && served.size === 0) return true;
  if (t.versionSent === '' || t.versionAcked !== t.versionSent) return false;
  if (t.lastNack && t.lastNack.version === t.versionSent) return false;
  const wanted = t.wildcard ? [...served.keys()] : t.subscribed.filter((name) => served.has(name));
  for (const name of wanted) {
    const held = t.resources[name];
    if (!held || held.acked !== served.get(name)!.version || held.sent !== held.acked) return false;
  }
  if (t.wildcard && Object.keys(t.resources).some((name) => !served.has(name))) return false;
  return true;
}
