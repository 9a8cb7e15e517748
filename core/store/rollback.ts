import { NotFoundError } from '../errors.ts';
import { keyOf, keyString, type StoredResource } from '../resources/resource.ts';
import type { Change, CommitResult, ConfigStore } from './config-store.ts';
import { sameContent } from './resource-content.ts';

export interface RollbackRequest {
  tenantId: string;
  mesh: string;
  /** The revision whose content to restore; 0 is the empty mesh before the first commit. */
  toRevision: number;
  author: string;
  message?: string;
}

/**
 * Restores the content of a past revision as a new revision, over any ConfigStore.
 * Every change is guarded by the version it expects and the commit by the head it was
 * computed from, so a concurrent commit makes the rollback fail (PreconditionFailedError)
 * rather than silently undo it. Rolling back to the head, or to content equal to it,
 * creates no revision.
 */
export async function rollback(store: ConfigStore, request: RollbackRequest): Promise<CommitResult> {
  const { tenantId, mesh, toRevision } = request;
  const record = await store.getMesh(tenantId, mesh);
  if (!record) throw new NotFoundError(`mesh ${mesh} not found`);
  const head = record.revision;
  if (!Number.isInteger(toRevision) || toRevision < 0 || toRevision > head) {
    throw new NotFoundError(`revision ${toRevision} of mesh ${mesh} not found`);
  }
  if (toRevision === head) return { revision: head, created: false, changes: [], resources: [] };

  const [current, target] = await Promise.all([store.snapshot(tenantId, mesh, head), store.snapshot(tenantId, mesh, toRevision)]);
  const changes = diff(current.resources, target.resources);
  return store.commit({
    tenantId,
    mesh,
    author: request.author,
    message: request.message ?? `rollback to revision ${toRevision}`,
    changes,
    expectedRevision: head,
    rollbackTo: toRevision,
  });
}

/** The changes that turn `from` into `to`, each guarded by the version it replaces. */
function diff(from: StoredResource[], to: StoredResource[]): Change[] {
  const now = new Map(from.map((r) => [keyString(keyOf(r)), r]));
  const changes: Change[] = [];
  for (const wanted of to) {
    const key = keyString(keyOf(wanted));
    const existing = now.get(key);
    now.delete(key);
    if (existing && sameContent(existing, wanted)) continue;
    const { resourceVersion: _old, ...metadata } = wanted.metadata;
    changes.push({ op: 'put', resource: { ...wanted, metadata }, expectedVersion: existing ? existing.metadata.resourceVersion : null });
  }
  for (const extra of now.values()) {
    changes.push({ op: 'delete', key: keyOf(extra), expectedVersion: extra.metadata.resourceVersion });
  }
  return changes;
}
