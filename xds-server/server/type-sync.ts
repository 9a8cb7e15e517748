import type { TypeStatus } from './proxy-status.ts';

/** Whether a stream holds exactly `served` of one type, by its status (see `streamInSync` and `TypeTracker.inSync`). */
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
