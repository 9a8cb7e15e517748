import { ValidationError } from '../../../errors.ts';
import { isKindName, KIND_NAMES } from '../../../resources/kinds.ts';
import { keyOf, type ResourceKey, type StoredResource } from '../../../resources/resource.ts';
import type { MeshSnapshot, Page, ResourceQuery } from '../../../store/config-store.ts';
import { pageLimit } from '../../../store/page-limit.ts';
import { requireMesh, type StoreContext } from './context.ts';
import { decodeCursor, invalidCursor } from './cursor.ts';
import { decodeDocument } from './document.ts';
import { currentSk, historySk, meshPartition, parsePosition, position, positionOfSk, prefixRange, storablePart } from './keys.ts';
import { pageOf } from './pages.ts';
import { resourceOf, type MeshItem } from './records.ts';
import { revisionOrHead } from './revision-bounds.ts';
import type { Item, TableClient } from './table-client.ts';

/** Kinds in the order their positions sort. */
const SORTED_KINDS = [...KIND_NAMES].sort();
/** Sorts after every zero-padded revision, so `HIST#<position>#~` is just past a key's history. */
const AFTER_ALL_REVISIONS = '~';
/** History items per Query request when replaying a whole past revision (a key may have many). */
const HISTORY_PAGE = 500;

/** At head: one GetItem of the current item. At a past revision: the newest history item at or below it. */
export async function getResource(ctx: StoreContext, tenantId: string, mesh: string, key: ResourceKey, options?: { atRevision?: number }): Promise<StoredResource | undefined> {
  const item = await requireMesh(ctx, tenantId, mesh);
  const revision = revisionOrHead(item, options?.atRevision);
  if (!isKindName(key?.kind) || !storablePart(key.namespace) || !storablePart(key.name)) return undefined;
  const partition = meshPartition(item.meshId);
  if (options?.atRevision === undefined) {
    const current = await ctx.table.get({ PK: partition, SK: currentSk(key) }, 'read resource');
    return current && decodeDocument(current);
  }
  if (revision === 0) return undefined;
  const range = { low: historySk(key, 0), high: historySk(key, revision) };
  for await (const found of ctx.table.query({ partition, ...range, descending: true, pageSize: 1 }, 'read past resource')) return resourceOf(found);
  return undefined;
}

/**
 * At head: Query the current items of each matching prefix. At a past revision: Query the
 * history of each matching prefix and keep, per key, the newest write at or below it.
 * The cursor is the position of the last item returned.
 */
export async function listResources(ctx: StoreContext, tenantId: string, mesh: string, query?: ResourceQuery): Promise<Page<StoredResource>> {
  const limit = pageLimit(query);
  const cursor = decodeCursor(query?.cursor, 'resource');
  if (cursor !== undefined && !parsePosition(cursor)) throw invalidCursor();
  const { kind, namespace } = query ?? {};
  if (kind !== undefined && !isKindName(kind)) throw new ValidationError('invalid query', [{ path: 'kind', message: 'unknown kind' }]);
  const item = await requireMesh(ctx, tenantId, mesh);
  const revision = revisionOrHead(item, query?.atRevision);
  if (namespace !== undefined && !storablePart(namespace)) return { items: [] };
  const prefixes = positionPrefixes(kind, namespace);
  const stream =
    query?.atRevision === undefined
      ? currentResources(ctx.table, item, prefixes, cursor, limit + 1)
      : resourcesAt(ctx.table, item, prefixes, revision, cursor, Math.min(HISTORY_PAGE, limit + 1));
  return pageOf(stream, limit, (r) => r, (r) => position(keyOf(r)), 'resource');
}

/**
 * Every resource at `revision` (default head). At head the current items are read and the head
 * is read again after: unchanged means no commit landed in between, so the set is exact;
 * otherwise (and for past revisions) the history is replayed.
 */
export async function snapshot(ctx: StoreContext, tenantId: string, mesh: string, revision?: number): Promise<MeshSnapshot> {
  const item = await requireMesh(ctx, tenantId, mesh);
  const at = revisionOrHead(item, revision);
  if (at === 0) return { revision: 0, resources: [] };
  if (at === item.revision) {
    const resources = await collect(currentResources(ctx.table, item, [''], undefined));
    const again = await requireMesh(ctx, tenantId, mesh);
    if (again.revision === at && again.meshId === item.meshId) return { revision: at, resources };
  }
  return { revision: at, resources: await collect(resourcesAt(ctx.table, item, [''], at, undefined)) };
}

/** Position prefixes (ending in `#`, or '' for all) of a kind/namespace filter, in key order. */
function positionPrefixes(kind: string | undefined, namespace: string | undefined): string[] {
  if (kind !== undefined) return [namespace === undefined ? `${kind}#` : `${kind}#${namespace}#`];
  return namespace === undefined ? [''] : SORTED_KINDS.map((k) => `${k}#${namespace}#`);
}

/** The query range of `family` + `prefix`, resuming after `cursor` when it falls inside it; undefined when the cursor is past it. */
function rangeAfter(family: string, prefix: string, cursor: string | undefined, resumeAt: (cursor: string) => string) {
  const range = prefixRange(`${family}${prefix}`);
  if (cursor === undefined || cursor < prefix) return range;
  if (!cursor.startsWith(prefix)) return undefined;
  return { ...range, after: resumeAt(cursor) };
}

async function* currentResources(table: TableClient, mesh: MeshItem, prefixes: string[], cursor: string | undefined, pageSize?: number): AsyncGenerator<StoredResource> {
  const partition = meshPartition(mesh.meshId);
  for (const prefix of prefixes) {
    const range = rangeAfter('RES#', prefix, cursor, (c) => `RES#${c}`);
    if (!range) continue;
    for await (const item of table.query({ partition, ...range, ...(pageSize !== undefined && { pageSize }) }, 'list resources')) yield decodeDocument(item);
  }
}

async function* resourcesAt(table: TableClient, mesh: MeshItem, prefixes: string[], revision: number, cursor: string | undefined, pageSize = HISTORY_PAGE): AsyncGenerator<StoredResource> {
  const partition = meshPartition(mesh.meshId);
  for (const prefix of prefixes) {
    const range = rangeAfter('HIST#', prefix, cursor, (c) => `HIST#${c}#${AFTER_ALL_REVISIONS}`);
    if (!range) continue;
    let at: string | undefined;
    let newest: Item | undefined;
    for await (const item of table.query({ partition, ...range, pageSize }, 'list past resources')) {
      const itemPosition = positionOfSk(item.SK);
      if (itemPosition !== at) {
        const visible = newest && resourceOf(newest);
        if (visible) yield visible;
        at = itemPosition;
        newest = undefined;
      }
      if ((item.ver as number) <= revision) newest = item;
    }
    const visible = newest && resourceOf(newest);
    if (visible) yield visible;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

