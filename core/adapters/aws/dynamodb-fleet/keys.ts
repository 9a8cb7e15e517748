/**
 * Where the fleet status store keeps its items in the config table (string keys `PK`, `SK`).
 * The store's partitions are `TENANTS`, `TENANT#…`, `APIKEY#…`, `MESH#…` and `PURGE`, the
 * ledger's `LEDGER#…` and `TRUSTDOMAIN#…`, the workload registry's `LIVE#…`; proxy status starts
 * with `FLEET#`, so no side can read or overwrite another's items.
 *
 * | PK                      | SK             | holds                                                       |
 * |-------------------------|----------------|-------------------------------------------------------------|
 * | `FLEET#<tenant>#<mesh>` | `PROXY#<id>`   | one ProxyStatusRecord (`status`, JSON), `replica`, and      |
 * |                         |                | `expiresAt` (epoch seconds: the table's TTL attribute)      |
 *
 * Tenant, mesh and proxy id are percent-encoded: proxy ids may hold `#` (see
 * core/fleet/fleet-input.ts), and a key can only ever name one mesh and one proxy. Encoding
 * changes the order, so `list` sorts what the Query returns.
 */
import type { ItemKey } from '../dynamodb-store/keys.ts';

const enc = encodeURIComponent;

export const fleetPartition = (tenantId: string, mesh: string): string => `FLEET#${enc(tenantId)}#${enc(mesh)}`;

export const proxyKey = (tenantId: string, mesh: string, proxyId: string): ItemKey => ({ PK: fleetPartition(tenantId, mesh), SK: `PROXY#${enc(proxyId)}` });
