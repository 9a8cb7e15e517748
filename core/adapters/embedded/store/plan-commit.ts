import { NotFoundError, PreconditionFailedError } from '../../../errors.ts';
import type { ResourceKey, StoredResource } from '../../../resources/resource.ts';
import type { CommitRequest } from '../../../store/config-store.ts';
import { sameContent, storedForm } from '../../../store/resource-content.ts';
import type { MeshIndex } from './mesh-index.ts';
import type { CommittedChange } from './records.ts';

export interface CommitPlan {
  /** What the new revision records; empty when every put is a no-op. */
  changes: CommittedChange[];
  /** The stored form of every put, in request order. */
  resources: StoredResource[];
}

/** Checks every precondition against the head before anything is written; throws on the first failure. */
export function planCommit(index: MeshIndex, request: CommitRequest, keys: ResourceKey[], revision: number): CommitPlan {
  if (request.expectedRevision !== undefined && request.expectedRevision !== index.head) {
    throw new PreconditionFailedError(`mesh head is revision ${index.head}, not ${request.expectedRevision}`, String(index.head));
  }
  const plan: CommitPlan = { changes: [], resources: [] };
  request.changes.forEach((change, i) => {
    const key = keys[i]!;
    const current = index.current(key);
    const currentVersion = current?.metadata.resourceVersion;
    const where = `${key.kind} ${key.namespace}/${key.name}`;
    if (change.op === 'delete') {
      if (!current) throw new NotFoundError(`${where} not found`);
      if (change.expectedVersion !== undefined && change.expectedVersion !== currentVersion) {
        throw new PreconditionFailedError(`${where} is at version ${currentVersion}, not ${change.expectedVersion}`, currentVersion);
      }
      plan.changes.push({ ...key, action: 'deleted', previousVersion: currentVersion });
      return;
    }
    if (change.expectedVersion === null && current) throw new PreconditionFailedError(`${where} already exists`, currentVersion);
    if (typeof change.expectedVersion === 'string' && change.expectedVersion !== currentVersion) {
      throw new PreconditionFailedError(`${where} is at version ${currentVersion ?? '(absent)'}, not ${change.expectedVersion}`, currentVersion);
    }
    const stored = storedForm(change.resource, String(revision));
    if (current && sameContent(current, stored)) {
      plan.resources.push(current);
      return;
    }
    plan.changes.push({ ...key, action: current ? 'updated' : 'created', ...(current && { previousVersion: currentVersion }), resource: stored });
    plan.resources.push(stored);
  });
  return plan;
}
