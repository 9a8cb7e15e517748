import { ValidationError } from '../../../errors.ts';
import { isKindName, type KindName } from '../../../resources/kinds.ts';
import type { ResourceKey } from '../../../resources/resource.ts';

/** Key attribute names of the table (see table.ts and the design in dynamodb-store.ts). */
export const PK = 'PK';
export const SK = 'SK';

export interface ItemKey {
  PK: string;
  SK: string;
}

/** Digits of a zero-padded revision: sort-key order equals numeric order up to 10^10 - 1. */
const REVISION_DIGITS = 10;

export const pad = (revision: number): string => String(revision).padStart(REVISION_DIGITS, '0');

export const tenantKey = (tenantId: string): ItemKey => ({ PK: 'TENANTS', SK: `TENANT#${tenantId}` });
export const apiKeyKey = (tenantId: string, keyId: string): ItemKey => ({ PK: `TENANT#${tenantId}`, SK: `KEY#${keyId}` });
export const apiKeyHashKey = (hash: string): ItemKey => ({ PK: `APIKEY#${hash}`, SK: 'APIKEY' });
export const meshKey = (tenantId: string, name: string): ItemKey => ({ PK: `TENANT#${tenantId}`, SK: `MESH#${name}` });
export const purgeKey = (meshId: string): ItemKey => ({ PK: 'PURGE', SK: `MESH#${meshId}` });

/** The partition holding one generation of a mesh's config (a new id on every re-creation). */
export const meshPartition = (meshId: string): string => `MESH#${meshId}`;

/**
 * A resource's position in key order: `kind#namespace#name`. Namespace and name may only hold
 * characters above `#` (DNS names do), so `#` separates unambiguously and the byte order of
 * positions is the order of (kind, namespace, name) compared as strings.
 */
export function position(key: ResourceKey): string {
  return `${key.kind}#${key.namespace}#${key.name}`;
}

export const currentSk = (key: ResourceKey): string => `RES#${position(key)}`;
export const historySk = (key: ResourceKey, revision: number): string => `HIST#${position(key)}#${pad(revision)}`;
export const revisionSk = (revision: number): string => `REV#${pad(revision)}`;

/** The position a current or history sort key belongs to. */
export function positionOfSk(sk: string): string {
  if (sk.startsWith('RES#')) return sk.slice('RES#'.length);
  if (sk.startsWith('HIST#')) return sk.slice('HIST#'.length, sk.lastIndexOf('#'));
  throw new Error(`not a resource sort key: ${sk}`);
}

export function revisionOfHistorySk(sk: string): number {
  return Number(sk.slice(sk.lastIndexOf('#') + 1));
}

/**
 * The sort-key range of everything starting with `prefix` (which ends in `#`): no stored
 * key continues a prefix with a character below `$`, so `…$` bounds it from above.
 */
export function prefixRange(prefix: string): { low: string; high: string } {
  return { low: prefix, high: `${prefix.slice(0, -1)}$` };
}

/** Throws ValidationError unless every part of the key can be stored in a sort key. */
export function checkStorableKeys(keys: ResourceKey[], path: (i: number) => string = (i) => `changes[${i}]`): void {
  const errors = keys.flatMap((key, i) =>
    (['namespace', 'name'] as const).filter((f) => !storablePart(key[f])).map((f) => ({ path: `${path(i)}.${f}`, message: "must not contain spaces, control characters, '!', '\"' or '#'" })),
  );
  if (errors.length > 0) throw new ValidationError('invalid change set', errors);
}

export function storablePart(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) <= 0x23) return false;
  return value.length > 0;
}

export function parsePosition(value: string): ResourceKey | undefined {
  const parts = value.split('#');
  if (parts.length !== 3) return undefined;
  const [kind, namespace, name] = parts as [string, string, string];
  if (!isKindName(kind) || !storablePart(namespace) || !storablePart(name)) return undefined;
  return { kind: kind as KindName, namespace, name };
}
