import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../errors.ts';
import type { MeshRecord, MeshSettings, Page, PageRequest } from '../../../store/config-store.ts';
import { pageLimit } from '../../../store/page-limit.ts';
import { findMesh, requireMesh, requireTenant, type StoreContext } from './context.ts';
import { decodeCursor } from './cursor.ts';
import { add, and, attributeExists, attributeNotExists, clauses, equals, setOrRemove } from './expressions.ts';
import { meshKey, PK, prefixRange, purgeKey, tenantKey } from './keys.ts';
import { pageOf } from './pages.ts';
import { purgeMeshPartition } from './purge.ts';
import { meshItem, meshRecord, type MeshItem } from './records.ts';
import { cancellationReasons, fromDynamoDbError } from './sdk-errors.ts';
import { requireId } from './tenants.ts';

/** A put without expectedVersion that keeps losing create/update races gives up after this many tries. */
const MAX_PUT_ATTEMPTS = 5;

export async function putMesh(ctx: StoreContext, tenantId: string, name: string, settings: MeshSettings, options?: { expectedVersion?: string | null }): Promise<{ mesh: MeshRecord; created: boolean }> {
  requireId(name, 'name');
  const json = JSON.stringify(settings ?? {});
  const expected = options?.expectedVersion;
  if (expected === null) return { mesh: await createMesh(ctx, tenantId, name, json, true), created: true };
  if (typeof expected === 'string') {
    const updated = await updateMesh(ctx, tenantId, name, json, Number(expected));
    if (updated) return { mesh: updated, created: false };
    await requireTenant(ctx, tenantId);
    const current = await findMesh(ctx, tenantId, name);
    throw new PreconditionFailedError(`mesh ${name} is not at version ${expected}`, current && String(current.version));
  }
  for (let attempt = 1; attempt <= MAX_PUT_ATTEMPTS; attempt++) {
    const updated = await updateMesh(ctx, tenantId, name, json);
    if (updated) return { mesh: updated, created: false };
    const created = await createMesh(ctx, tenantId, name, json, false);
    if (created) return { mesh: created, created: true };
  }
  throw new ConflictError(`mesh ${name} is being created and deleted concurrently; retry`);
}

/** Bumps the settings version of an existing mesh (at `version` when given); undefined when that does not hold. */
async function updateMesh(ctx: StoreContext, tenantId: string, name: string, settings: string, version?: number): Promise<MeshRecord | undefined> {
  if (version !== undefined && !Number.isInteger(version)) return undefined;
  const at = ctx.now().toISOString();
  const condition = version === undefined ? attributeExists(PK) : and(attributeExists(PK), equals('version', version));
  const update = clauses(setOrRemove({ settings, updatedAt: at }), add('version', 1));
  const item = await ctx.table.updateIf(meshKey(tenantId, name), update, condition, 'update mesh');
  return item && meshRecord(item as MeshItem);
}

/**
 * Creates the mesh item with a fresh generation id, if the tenant exists and the mesh does not.
 * `strict`: an existing mesh is PreconditionFailedError; otherwise undefined (the caller updates).
 */
async function createMesh(ctx: StoreContext, tenantId: string, name: string, settings: string, strict: true): Promise<MeshRecord>;
async function createMesh(ctx: StoreContext, tenantId: string, name: string, settings: string, strict: false): Promise<MeshRecord | undefined>;
async function createMesh(ctx: StoreContext, tenantId: string, name: string, settings: string, strict: boolean): Promise<MeshRecord | undefined> {
  const at = ctx.now().toISOString();
  const item = meshItem({ tenantId, name, meshId: randomUUID(), settings, version: 1, revision: 0, createdAt: at, updatedAt: at });
  const { table } = ctx;
  try {
    await table.transact([table.check(tenantKey(tenantId), attributeExists(PK)), table.put(item, attributeNotExists(PK), true)]);
    return meshRecord(item);
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (!reasons) throw fromDynamoDbError(error, 'create mesh');
    if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new NotFoundError(`tenant ${tenantId} not found`, { cause: error });
    if (reasons[1]?.Code !== 'ConditionalCheckFailed') throw fromDynamoDbError(error, 'create mesh');
    if (!strict) return undefined;
    throw new PreconditionFailedError(`mesh ${name} already exists`, reasons[1].Item?.version?.N);
  }
}

export async function getMesh(ctx: StoreContext, tenantId: string, name: string): Promise<MeshRecord | undefined> {
  const item = await findMesh(ctx, tenantId, name);
  return item && meshRecord(item);
}

export async function listMeshes(ctx: StoreContext, tenantId: string, page?: PageRequest): Promise<Page<MeshRecord>> {
  const limit = pageLimit(page);
  const after = decodeCursor(page?.cursor, 'mesh');
  await requireTenant(ctx, tenantId);
  const { PK: partition, SK: prefix } = meshKey(tenantId, '');
  const items = ctx.table.query({ partition, ...prefixRange(prefix), ...(after !== undefined && { after: meshKey(tenantId, after).SK }), pageSize: limit + 1 }, 'list meshes');
  return pageOf(items, limit, (item) => meshRecord(item as MeshItem), (m) => m.name, 'mesh');
}

/**
 * Removes the mesh item and records a purge in one transaction, so the mesh disappears at once
 * and its name is free; then deletes its config partition in batches and drops the purge record.
 * Once the mesh item is gone the deletion has happened, so a purge cut short does not fail the
 * call: it is reported to `onPurgeFailure` and finished by `resumePurges`; until then its
 * leftovers are unreachable, since a re-created mesh gets a new partition.
 */
export async function deleteMesh(ctx: StoreContext, tenantId: string, name: string): Promise<void> {
  const mesh = await requireMesh(ctx, tenantId, name);
  const { table } = ctx;
  try {
    await table.transact([table.delete(meshKey(tenantId, name), equals('meshId', mesh.meshId)), table.put({ ...purgeKey(mesh.meshId), tenantId, name, deletedAt: ctx.now().toISOString() })]);
  } catch (error) {
    if (cancellationReasons(error)?.[0]?.Code === 'ConditionalCheckFailed') throw new NotFoundError(`mesh ${name} not found`, { cause: error });
    throw fromDynamoDbError(error, 'delete mesh');
  }
  await purgeMeshPartition(ctx, mesh.meshId).catch((error: unknown) => ctx.onPurgeFailure(mesh.meshId, fromDynamoDbError(error, 'purge mesh')));
}
