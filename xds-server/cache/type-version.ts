import { createHash } from 'node:crypto';

/** A version for a set of resources: changes exactly when a member or a member's version does. */
export function typeVersion(entries: Iterable<readonly [string, string]>): string {
  const lines = [...entries].map(([name, version]) => `${name}\u0000${version}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('base64url').slice(0, 16);
}
