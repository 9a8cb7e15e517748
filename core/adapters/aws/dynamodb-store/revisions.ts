import type { Page, PageRequest, RevisionRecord } from '../../../store/config-store.ts';
import { pageLimit } from '../../../store/page-limit.ts';
import { requireMesh, type StoreContext } from './context.ts';
import { decodeCursor } from './cursor.ts';
import { meshPartition, revisionSk } from './keys.ts';
import { pageOf } from './pages.ts';
import { revisionRecord } from './records.ts';

export async function getRevision(ctx: StoreContext, tenantId: string, mesh: string, revision: number): Promise<RevisionRecord | undefined> {
  const item = await requireMesh(ctx, tenantId, mesh);
  if (!Number.isInteger(revision) || revision < 1 || revision > item.revision) return undefined;
  const record = await ctx.table.get({ PK: meshPartition(item.meshId), SK: revisionSk(revision) }, 'read revision');
  return record && revisionRecord(record);
}

/** Newest first: a descending Query on `REV#<padded>` from the head (or below the cursor). */
export async function listRevisions(ctx: StoreContext, tenantId: string, mesh: string, page?: PageRequest): Promise<Page<RevisionRecord>> {
  const limit = pageLimit(page);
  const after = decodeCursor(page?.cursor, 'revision');
  const item = await requireMesh(ctx, tenantId, mesh);
  const first = Math.min(after === undefined ? item.revision : after - 1, item.revision);
  if (first < 1) return { items: [] };
  const items = ctx.table.query({ partition: meshPartition(item.meshId), low: revisionSk(1), high: revisionSk(first), descending: true, pageSize: limit + 1 }, 'list revisions');
  return pageOf(items, limit, revisionRecord, (r) => r.revision, 'revision');
}
