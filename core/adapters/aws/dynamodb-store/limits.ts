import { LimitExceededError } from '../../../errors.ts';
import type { ResourceKey } from '../../../resources/resource.ts';
import { itemSize } from './item-size.ts';
import type { Item } from './table-client.ts';

/** DynamoDB's own limits: actions and bytes per TransactWriteItems, bytes per item. */
export const MAX_TRANSACTION_ACTIONS = 100;
export const MAX_TRANSACTION_BYTES = 4_000_000;
export const MAX_ITEM_BYTES = 400 * 1024;

/** A commit writes the mesh head and the revision record, then a current and a history item per change. */
export const FIXED_ACTIONS = 2;
export const ACTIONS_PER_CHANGE = 2;
export const MAX_CHANGES_PER_COMMIT = Math.floor((MAX_TRANSACTION_ACTIONS - FIXED_ACTIONS) / ACTIONS_PER_CHANGE);

export interface SizedWrite {
  item: Item;
  /** The resource an item stores, to name it in an error. */
  key?: ResourceKey;
}

/**
 * Rejects, before anything is written, a commit that one transaction cannot hold: too many
 * changes, one item over the item limit, or more bytes in all than a transaction takes.
 */
export function checkCommitFits(changeCount: number, writes: SizedWrite[], maxItemBytes: number, fixedBytes: number): void {
  if (changeCount > MAX_CHANGES_PER_COMMIT) {
    throw new LimitExceededError(`this apply changes ${changeCount} resources; at most ${MAX_CHANGES_PER_COMMIT} fit in one revision`);
  }
  let total = fixedBytes;
  for (const { item, key } of writes) {
    const size = itemSize(item);
    if (size > maxItemBytes) {
      const what = key ? `${key.kind} ${key.namespace}/${key.name}` : 'the revision record';
      throw new LimitExceededError(`${what} takes ${size} bytes stored (compressed); at most ${maxItemBytes} fit in one item`);
    }
    total += size;
  }
  if (total > MAX_TRANSACTION_BYTES) {
    throw new LimitExceededError(`this apply writes about ${total} bytes; at most ${MAX_TRANSACTION_BYTES} fit in one revision (each resource is stored twice: current and history)`);
  }
}
