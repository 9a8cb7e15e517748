import { createHash } from 'node:crypto';

/** A resource version derived from its encoded bytes: equal content, equal version, on every replica. */
export function contentVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
}
