import type { ProxyStatusRecord } from '../../../fleet/fleet-status.ts';
import type { Item } from '../dynamodb-store/table-client.ts';
import { proxyKey } from './keys.ts';

/** The table's TTL attribute (epoch seconds); infra/constructs/storage.ts declares the same name. */
export const TTL = 'expiresAt';
/** Top level, so a conditional delete can compare it. */
export const REPLICA = 'replica';

/** DynamoDB deletes an item some time after its TTL; rounding up never deletes one early. */
const epochSeconds = (iso: string): number => Math.ceil(Date.parse(iso) / 1000);

export function toItem(record: ProxyStatusRecord): Item {
  return { ...proxyKey(record.tenantId, record.mesh, record.proxyId), [TTL]: epochSeconds(record.expiresAt), [REPLICA]: record.replica, status: JSON.stringify(record) };
}

export function fromItem(item: Item): ProxyStatusRecord {
  return JSON.parse(item.status as string) as ProxyStatusRecord;
}
