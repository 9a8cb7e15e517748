import { ConflictError, NotFoundError, PreconditionFailedError } from '../../../errors.ts';
import type { ResourceKey, StoredResource } from '../../../resources/resource.ts';
import { changeKeys } from '../../../store/change-checks.ts';
import type { CommitRequest, CommitResult, RevisionRecord } from '../../../store/config-store.ts';
import { requireMesh, type StoreContext } from './context.ts';
import { decodeDocument } from './document.ts';
import { and, attributeNotExists, equals, setOrRemove } from './expressions.ts';
import { itemSize } from './item-size.ts';
import { checkStorableKeys, currentSk, meshKey, meshPartition, SK } from './keys.ts';
import { checkCommitFits, type SizedWrite } from './limits.ts';
import { planCommit, type PlannedChange } from './plan-commit.ts';
import { currentItem, historyItem, revisionItem, type MeshItem } from './records.ts';
import { cancellationReasons, fromDynamoDbError, type CancellationReason } from './sdk-errors.ts';
import { backoff, type TransactItem } from './table-client.ts';

/** Commits racing on one mesh head are re-planned this many times before giving up. */
const MAX_ATTEMPTS = 12;

/** What each entry of the transaction is, so a cancellation reason can be traced to its cause. */
type Action = { role: 'head' } | { role: 'revision' } | { role: 'current'; planned: PlannedChange } | { role: 'history'; planned: PlannedChange };

/**
 * One revision in one TransactWriteItems: the mesh head moves from `head` to `head + 1` (the
 * optimistic lock), the revision record is added, and each change puts or deletes its current
 * item (conditioned on the version it was planned against) and adds a history item.
 * A lost race on the head re-reads and re-plans, unless the caller pinned `expectedRevision`.
 */
export async function commit(ctx: StoreContext, request: CommitRequest): Promise<CommitResult> {
  const keys = changeKeys(request.changes ?? []);
  checkStorableKeys(keys, (i) => (request.changes[i]!.op === 'put' ? `changes[${i}].resource` : `changes[${i}].key`));
  for (let attempt = 1; ; attempt++) {
    const mesh = await requireMesh(ctx, request.tenantId, request.mesh);
    const current = await readCurrent(ctx, mesh.meshId, keys);
    const plan = planCommit(request, keys, current, mesh.revision);
    if (plan.changes.length === 0) return { revision: mesh.revision, created: false, changes: [], resources: plan.resources };

    const revision = mesh.revision + 1;
    const record: RevisionRecord = {
      revision,
      author: request.author,
      createdAt: ctx.now().toISOString(),
      ...(request.message !== undefined && { message: request.message }),
      ...(request.rollbackTo !== undefined && { rollbackTo: request.rollbackTo }),
      changes: plan.changes.map((c) => c.change),
    };
    const { items, actions, writes } = transaction(ctx, mesh, record, plan.changes);
    checkCommitFits(plan.changes.length, writes, ctx.maxItemBytes, itemSize(mesh));

    try {
      await ctx.table.transact(items);
      return { revision, created: true, changes: record.changes, resources: plan.resources };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw fromDynamoDbError(error, 'commit');
      await explainCancellation(ctx, request, reasons, actions, error);
      if (attempt >= MAX_ATTEMPTS) throw new ConflictError(`mesh ${request.mesh} is busy: ${attempt} attempts lost a race with other commits; retry`, { cause: error });
      await backoff(attempt);
    }
  }
}

/** The current body of each key (by index), read strongly consistently in batches. */
async function readCurrent(ctx: StoreContext, meshId: string, keys: ResourceKey[]): Promise<(StoredResource | undefined)[]> {
  if (keys.length === 0) return [];
  const partition = meshPartition(meshId);
  const found = await ctx.table.batchGet(keys.map((k) => ({ PK: partition, SK: currentSk(k) })), 'read resources');
  return keys.map((k) => {
    const item = found.get(currentSk(k));
    return item && decodeDocument(item);
  });
}

function transaction(ctx: StoreContext, mesh: MeshItem, record: RevisionRecord, changes: PlannedChange[]): { items: TransactItem[]; actions: Action[]; writes: SizedWrite[] } {
  const { table } = ctx;
  const revision = record.revision;
  const revisionRecordItem = revisionItem(mesh.meshId, record);
  const items: TransactItem[] = [
    table.update(meshKey(mesh.tenantId, mesh.name), setOrRemove({ revision }), and(equals('meshId', mesh.meshId), equals('revision', mesh.revision)), true),
    table.put(revisionRecordItem, attributeNotExists(SK)),
  ];
  const actions: Action[] = [{ role: 'head' }, { role: 'revision' }];
  const writes: SizedWrite[] = [{ item: revisionRecordItem }];
  for (const planned of changes) {
    const stillAt = planned.currentVersion === undefined ? attributeNotExists(SK) : equals('ver', Number(planned.currentVersion));
    const history = historyItem(mesh.meshId, planned.key, revision, planned.resource);
    if (planned.resource) {
      const current = currentItem(mesh.meshId, planned.resource, revision, planned.key);
      items.push(table.put(current, stillAt, true));
      writes.push({ item: current, key: planned.key });
    } else {
      items.push(table.delete({ PK: meshPartition(mesh.meshId), SK: currentSk(planned.key) }, stillAt, true));
    }
    items.push(table.put(history, attributeNotExists(SK)));
    writes.push({ item: history, key: planned.key });
    actions.push({ role: 'current', planned }, { role: 'history', planned });
  }
  return { items, actions, writes };
}

/**
 * Throws the domain error a cancelled transaction means; returns when the commit should be
 * re-planned (another commit moved the head, or a transaction was in flight on an item).
 */
async function explainCancellation(ctx: StoreContext, request: CommitRequest, reasons: CancellationReason[], actions: Action[], error: unknown): Promise<void> {
  const failed = reasons.map((r, i) => ({ code: r.Code ?? 'None', item: r.Item, action: actions[i] })).filter((r) => r.code !== 'None');
  const headLost = failed.some((r) => r.action?.role === 'head' && r.code === 'ConditionalCheckFailed');
  if (headLost) {
    if (request.expectedRevision === undefined) return;
    const mesh = await requireMesh(ctx, request.tenantId, request.mesh);
    throw new PreconditionFailedError(`mesh head is revision ${mesh.revision}, not ${request.expectedRevision}`, String(mesh.revision));
  }
  if (failed.some((r) => r.code === 'TransactionConflict')) return;
  const stale = failed.find((r) => r.action?.role === 'current' && r.code === 'ConditionalCheckFailed');
  if (stale?.action?.role === 'current') {
    const { key, resource } = stale.action.planned;
    const where = `${key.kind} ${key.namespace}/${key.name}`;
    const version = stale.item?.ver?.N;
    if (version === undefined && !resource) throw new NotFoundError(`${where} not found`);
    throw new PreconditionFailedError(`${where} changed while this commit was planned (now at version ${version ?? '(absent)'})`, version);
  }
  throw fromDynamoDbError(error, 'commit');
}
