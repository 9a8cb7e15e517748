import { NotFoundError } from '../../../errors.ts';
import { meshKey, tenantKey } from './keys.ts';
import type { MeshItem } from './records.ts';
import type { Item, TableClient } from './table-client.ts';

/** What every operation of the store needs. */
export interface StoreContext {
  table: TableClient;
  now: () => Date;
  maxItemBytes: number;
  /** Told when a deleted mesh's partition could not be purged (resumePurges finishes it). */
  onPurgeFailure: (meshId: string, error: Error) => void;
}

export async function requireTenant(ctx: StoreContext, tenantId: string): Promise<Item> {
  const tenant = typeof tenantId === 'string' ? await ctx.table.get(tenantKey(tenantId), 'read tenant') : undefined;
  if (!tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
  return tenant;
}

export async function findMesh(ctx: StoreContext, tenantId: string, name: string): Promise<MeshItem | undefined> {
  if (typeof tenantId !== 'string' || typeof name !== 'string') return undefined;
  return (await ctx.table.get(meshKey(tenantId, name), 'read mesh')) as MeshItem | undefined;
}

/** The mesh item; NotFoundError when it (or its tenant: a mesh implies its tenant) is missing. */
export async function requireMesh(ctx: StoreContext, tenantId: string, name: string): Promise<MeshItem> {
  const mesh = await findMesh(ctx, tenantId, name);
  if (!mesh) throw new NotFoundError(`mesh ${name} not found`);
  return mesh;
}
