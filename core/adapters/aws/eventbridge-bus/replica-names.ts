import { ValidationError } from '../../../errors.ts';
import { REPLICA_RESOURCE_PREFIX } from './constants.ts';

// A rule name is at most 64 characters of [.-_A-Za-z0-9]; a queue name 80 of [-_A-Za-z0-9].
const MAX_REPLICA_ID = 64 - REPLICA_RESOURCE_PREFIX.length;
const REPLICA_ID = /^[A-Za-z0-9_-]+$/;

/** The name of a replica's queue and of its rule (the same string). */
export function replicaResourceName(replicaId: string): string {
  if (!REPLICA_ID.test(replicaId) || replicaId.length > MAX_REPLICA_ID) {
    const message = `replicaId must be 1-${MAX_REPLICA_ID} characters of A-Z a-z 0-9 _ -`;
    throw new ValidationError(`invalid replicaId ${JSON.stringify(replicaId)}`, [{ path: 'replicaId', message }]);
  }
  return `${REPLICA_RESOURCE_PREFIX}${replicaId}`;
}
