/**
 * Where the workload registry keeps its items in the config table (string keys `PK`, `SK`).
 * The store's partitions are `TENANTS`, `TENANT#…`, `APIKEY#…`, `MESH#…` and `PURGE`, the
 * ledger's `LEDGER#…` and `TRUSTDOMAIN#…`; the registry's start with `LIVE#`, so no side can read
 * or overwrite another's items.
 *
 * | PK                     | SK          | holds                                                         |
 * |------------------------|-------------|---------------------------------------------------------------|
 * | `LIVE#<tenant>#<mesh>` | `WL#<id>`   | one RegisteredWorkload (`workload`, JSON), `replica`, and     |
 * |                        |             | `expiresAt` (epoch seconds: the table's TTL attribute)        |
 *
 * Tenant and mesh are DNS labels and ids never hold `#` (see core/registry/registry-input.ts);
 * both are percent-encoded all the same, so a key can only ever name one mesh. Ids are ASCII, so
 * a Query of the partition returns entries in id order.
 */
import type { ItemKey } from '../dynamodb-store/keys.ts';

const enc = encodeURIComponent;

export const livePartition = (tenantId: string, mesh: string): string => `LIVE#${enc(tenantId)}#${enc(mesh)}`;

export const workloadKey = (tenantId: string, mesh: string, id: string): ItemKey => ({ PK: livePartition(tenantId, mesh), SK: `WL#${id}` });
