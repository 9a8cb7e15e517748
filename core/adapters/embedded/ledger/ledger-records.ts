import type { CredentialAuditEntry, TrustDomainOwner } from '../../../identity/credential-ledger.ts';

/** One line of the ledger file. */
export type LedgerRecord =
  | { t: 'token'; tenantId: string; tokenId: string; expiresAt: number }
  | ({ t: 'claim'; trustDomain: string } & TrustDomainOwner)
  | ({ t: 'audit' } & CredentialAuditEntry);

const isString = (v: unknown): v is string => typeof v === 'string';

/** Parses one line; undefined when it is not a record this version wrote. */
export function parseRecord(line: string): LedgerRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (r.t === 'token' && isString(r.tenantId) && isString(r.tokenId) && Number.isSafeInteger(r.expiresAt)) return r as LedgerRecord;
  if (r.t === 'claim' && isString(r.trustDomain) && isString(r.tenantId) && isString(r.mesh)) return r as LedgerRecord;
  if (r.t === 'audit' && isString(r.at) && isString(r.mesh) && isString(r.outcome)) return r as LedgerRecord;
  return undefined;
}
