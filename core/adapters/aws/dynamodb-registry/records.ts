import type { RegisteredWorkload } from '../../../registry/workload-registry.ts';
import type { Item } from '../dynamodb-store/table-client.ts';
import { workloadKey } from './keys.ts';

/** The table's TTL attribute (epoch seconds); infra/constructs/storage.ts declares the same name. */
export const TTL = 'expiresAt';
/** Top level, so a conditional delete can compare it. */
export const REPLICA = 'replica';

/** DynamoDB deletes an item some time after its TTL; rounding up never deletes one early. */
const epochSeconds = (iso: string): number => Math.ceil(Date.parse(iso) / 1000);

export function toItem(entry: RegisteredWorkload): Item {
  return { ...workloadKey(entry.tenantId, entry.mesh, entry.id), [TTL]: epochSeconds(entry.expiresAt), [REPLICA]: entry.replica, workload: JSON.stringify(entry) };
}

export function fromItem(item: Item): RegisteredWorkload {
  return JSON.parse(item.workload as string) as RegisteredWorkload;
}
