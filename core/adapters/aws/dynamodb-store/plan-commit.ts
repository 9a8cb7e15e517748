import { NotFoundError, PreconditionFailedError } from '../../../errors.ts';
import type { ResourceKey, StoredResource } from '../../../resources/resource.ts';
import type { CommitRequest, RevisionChange } from '../../../store/config-store.ts';
import { sameContent, storedForm } from '../../../store/resource-content.ts';

export interface PlannedChange {
  key: ResourceKey;
  change: RevisionChange;
  /** The body to write; absent for a delete. */
  resource?: StoredResource;
  /** The version the current item must still have when the transaction runs; absent: must not exist. */
  currentVersion?: string;
}

export interface CommitPlan {
  /** What the new revision writes; empty when every put is a no-op. */
  changes: PlannedChange[];
  /** The stored form of every put, in request order. */
  resources: StoredResource[];
}

/**
 * Checks every precondition against the state read at `head` before anything is written;
 * throws on the first failure. `current` maps each change's key (by index) to its body at head.
 */
export function planCommit(request: CommitRequest, keys: ResourceKey[], current: (StoredResource | undefined)[], head: number): CommitPlan {
  if (request.expectedRevision !== undefined && request.expectedRevision !== head) {
    throw new PreconditionFailedError(`mesh head is revision ${head}, not ${request.expectedRevision}`, String(head));
  }
  const revision = head + 1;
  const plan: CommitPlan = { changes: [], resources: [] };
  request.changes.forEach((change, i) => {
    const key = keys[i]!;
    const existing = current[i];
    const currentVersion = existing?.metadata.resourceVersion;
    const where = `${key.kind} ${key.namespace}/${key.name}`;
    if (change.op === 'delete') {
      if (!existing) throw new NotFoundError(`${where} not found`);
      if (change.expectedVersion !== undefined && change.expectedVersion !== currentVersion) {
        throw new PreconditionFailedError(`${where} is at version ${currentVersion}, not ${change.expectedVersion}`, currentVersion);
      }
      plan.changes.push({ key, currentVersion, change: { ...key, action: 'deleted', previousVersion: currentVersion } });
      return;
    }
    if (change.expectedVersion === null && existing) throw new PreconditionFailedError(`${where} already exists`, currentVersion);
    if (typeof change.expectedVersion === 'string' && change.expectedVersion !== currentVersion) {
      throw new PreconditionFailedError(`${where} is at version ${currentVersion ?? '(absent)'}, not ${change.expectedVersion}`, currentVersion);
    }
    const stored = storedForm(change.resource, String(revision));
    if (existing && sameContent(existing, stored)) {
      plan.resources.push(existing);
      return;
    }
    const action = existing ? 'updated' : 'created';
    plan.changes.push({ key, resource: stored, currentVersion, change: { ...key, action, ...(existing && { previousVersion: currentVersion }) } });
    plan.resources.push(stored);
  });
  return plan;
}
