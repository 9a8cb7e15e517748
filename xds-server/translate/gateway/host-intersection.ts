/** Whether `wildcard` (`*` or `*.suffix`) covers `host` (itself possibly a narrower wildcard). */
function covers(wildcard: string, host: string): boolean {
  if (wildcard === '*') return true;
  if (!wildcard.startsWith('*.')) return false;
  const suffix = wildcard.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length;
}

/**
 * Istio's host intersection of a Gateway server host and a VirtualService (or SNI) host: the
 * narrower of the two when one covers the other, else undefined.
 */
export function intersectHosts(a: string, b: string): string | undefined {
  if (a === b) return a;
  if (covers(a, b)) return b;
  if (covers(b, a)) return a;
  return undefined;
}

/** Every narrowest intersection of `hosts` with `serverHosts`, deduplicated, in order. */
export function intersectAll(hosts: readonly string[], serverHosts: readonly string[]): string[] {
  const found: string[] = [];
  for (const h of hosts) {
    for (const s of serverHosts) {
      const i = intersectHosts(h, s);
      if (i !== undefined && !found.includes(i)) found.push(i);
    }
  }
  return found;
}
