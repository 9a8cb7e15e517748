import type { StoreContext } from './context.ts';
import { meshPartition, purgeKey } from './keys.ts';

/** Deletes every item of one mesh generation's partition, then its purge record. */
export async function purgeMeshPartition(ctx: StoreContext, meshId: string): Promise<void> {
  const partition = meshPartition(meshId);
  let batch: { PK: string; SK: string }[] = [];
  for await (const item of ctx.table.query({ partition }, 'list mesh items')) {
    batch.push({ PK: item.PK, SK: item.SK });
    if (batch.length === 500) {
      await ctx.table.batchDelete(batch, 'purge mesh');
      batch = [];
    }
  }
  await ctx.table.batchDelete(batch, 'purge mesh');
  await ctx.table.batchDelete([purgeKey(meshId)], 'purge mesh');
}

/** Finishes purges that an earlier deleteMesh left undone (crash, throttling); returns how many ran. */
export async function resumePurges(ctx: StoreContext): Promise<number> {
  const pending: string[] = [];
  const { PK: partition } = purgeKey('');
  for await (const item of ctx.table.query({ partition, low: 'MESH#', high: 'MESH$' }, 'list purges')) pending.push(item.SK.slice('MESH#'.length));
  for (const meshId of pending) await purgeMeshPartition(ctx, meshId);
  return pending.length;
}
