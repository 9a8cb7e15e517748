/**
 * Where the ledger keeps its items in the config table (string keys `PK`, `SK`). The store's
 * partitions are `TENANTS`, `TENANT#…`, `APIKEY#…`, `MESH#…` and `PURGE`; the ledger's start
 * with `LEDGER#` or `TRUSTDOMAIN#`, so neither side can read or overwrite the other's items.
 *
 * | PK                     | SK                          | holds                                         |
 * |------------------------|-----------------------------|-----------------------------------------------|
 * | `LEDGER#<tenant>`      | `TOKEN#<tokenId>`           | a spent join token; `expiresAt` (TTL)         |
 * | `LEDGER#<tenant>`      | `AUDIT#<mesh>#<at>#<uuid>`  | one audit entry (`entry`, JSON); `expiresAt`  |
 * | `TRUSTDOMAIN#<domain>` | `OWNER`                     | the tenant mesh that owns the trust domain    |
 *
 * Every variable part is percent-encoded (encodeURIComponent), so it never holds `#` and a
 * prefix such as `AUDIT#<mesh>#` selects exactly one mesh. An audit entry whose tenant is
 * unknown (an unreadable credential) goes to `LEDGER#` (the empty tenant, which no API key has).
 * `<at>` is the entry's time as ISO 8601 UTC with milliseconds: sort order is time order.
 */
export interface ItemKey {
  PK: string;
  SK: string;
}

const enc = encodeURIComponent;

export const ledgerPartition = (tenantId: string | undefined): string => `LEDGER#${enc(tenantId ?? '')}`;

export const tokenKey = (tenantId: string, tokenId: string): ItemKey => ({ PK: ledgerPartition(tenantId), SK: `TOKEN#${enc(tokenId)}` });

export const trustDomainKey = (trustDomain: string): ItemKey => ({ PK: `TRUSTDOMAIN#${enc(trustDomain)}`, SK: 'OWNER' });

/** The sort-key prefix shared by every audit entry of one mesh. */
export const auditPrefix = (mesh: string): string => `AUDIT#${enc(mesh)}#`;

export const auditKey = (tenantId: string | undefined, mesh: string, atIso: string, unique: string): ItemKey => ({
  PK: ledgerPartition(tenantId),
  SK: `${auditPrefix(mesh)}${atIso}#${unique}`,
});
