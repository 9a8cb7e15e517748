import type { StoredResource } from '../../../resources/resource.ts';
import type { ApiKeyRecord, MeshRecord, RevisionChange, TenantRecord } from '../../../store/config-store.ts';

/** A mesh as the meta journal keeps it; `id` names its journal file, fresh for every incarnation. */
export interface StoredMesh extends Omit<MeshRecord, 'revision'> {
  id: string;
}

/** Records of `meta.journal`: everything but mesh config. */
export type MetaRecord =
  | { type: 'tenant'; tenant: TenantRecord }
  | { type: 'apiKey'; key: ApiKeyRecord }
  | { type: 'apiKeyDeleted'; tenantId: string; id: string }
  | { type: 'mesh'; mesh: StoredMesh }
  | { type: 'meshDeleted'; tenantId: string; name: string };

/** A change as journaled: the revision change plus the body written (absent for deletes). */
export interface CommittedChange extends RevisionChange {
  resource?: StoredResource;
}

/** The only record of a mesh journal: one whole revision, so a revision is on disk entirely or not at all. */
export interface CommitRecord {
  type: 'commit';
  revision: number;
  author: string;
  createdAt: string;
  message?: string;
  rollbackTo?: number;
  changes: CommittedChange[];
}
