import type { IstioResource, ResourceKey, StoredResource } from '../resources/resource.ts';
import type { KindName } from '../resources/kinds.ts';

/**
 * The ConfigStore port: tenants, API keys, meshes and each mesh's versioned Istio config.
 * Implementations: the embedded on-disk store (local mode) and the DynamoDB store (AWS).
 * Both pass the contract suite in `test/contracts/config-store-contract.ts`.
 *
 * Error contract (from `core/errors.ts`):
 * - `NotFoundError` for a missing tenant, mesh, resource (on delete) or revision;
 * - `ConflictError` when creating something that exists;
 * - `PreconditionFailedError` when an `expectedVersion` does not match;
 * - `LimitExceededError` when a commit is larger than the store can write atomically;
 * - `ValidationError` for malformed input the store relies on: an unknown kind, an empty
 *   namespace or name, the same key twice in one commit, a page `limit` outside 1..1000,
 *   a cursor the store did not issue.
 * A failed call changes nothing.
 *
 * Parents: `get*` return undefined when the thing itself is missing; every other call on a
 * missing tenant or mesh (listing, writing, reading resources or revisions) throws
 * `NotFoundError`. A revision number above the head (or negative) is `NotFoundError` for
 * `atRevision`/`snapshot`; revision 0 is the empty mesh before its first commit.
 *
 * Lists are ordered (tenants by id, meshes by name, API keys by id, resources by kind, namespace,
 * name compared as strings, revisions newest first). A cursor is a position, not a snapshot:
 * paging at head while commits happen never repeats an item and never skips one that existed
 * throughout. A page may be empty only when it is the last one.
 */
export interface ConfigStore {
  // ---- tenants and API keys ----
  createTenant(tenant: NewTenant): Promise<TenantRecord>;
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  listTenants(page?: PageRequest): Promise<Page<TenantRecord>>;

  /**
   * Stores a key record; only the hash of the secret is ever stored. ConflictError when the
   * tenant already has a key with this id, or any key has this hash.
   */
  createApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** NotFoundError when the tenant has no key with this id (another tenant's key included). */
  deleteApiKey(tenantId: string, keyId: string): Promise<void>;

  // ---- meshes ----
  /**
   * Creates the mesh, or updates its settings. `expectedVersion` null means "must not exist";
   * a string means "must currently be at this version". Either mismatch is PreconditionFailedError.
   * Every put bumps `version`; `revision` (the config head) is untouched.
   */
  putMesh(tenantId: string, name: string, settings: MeshSettings, options?: { expectedVersion?: string | null }): Promise<{ mesh: MeshRecord; created: boolean }>;
  getMesh(tenantId: string, name: string): Promise<MeshRecord | undefined>;
  listMeshes(tenantId: string, page?: PageRequest): Promise<Page<MeshRecord>>;
  /** Deletes the mesh with all its resources and revisions. */
  deleteMesh(tenantId: string, name: string): Promise<void>;

  // ---- config ----
  /**
   * Applies every change atomically as one new mesh revision. Puts whose content equals the
   * stored resource are no-ops; a commit whose changes are all no-ops creates no revision
   * (`created: false`, `revision` = the current head).
   * Each stored resource's `resourceVersion` is the decimal revision that last wrote it; an
   * input `metadata.resourceVersion` is ignored (use `expectedVersion`). A put whose
   * `expectedVersion` does not hold, and a delete whose `expectedVersion` does not hold, are
   * PreconditionFailedError; a delete of a missing resource is NotFoundError.
   */
  commit(request: CommitRequest): Promise<CommitResult>;

  /** The resource at head, or at `atRevision` when given. */
  getResource(tenantId: string, mesh: string, key: ResourceKey, options?: { atRevision?: number }): Promise<StoredResource | undefined>;

  /** Resources ordered by kind, namespace, name; optionally filtered and at a past revision. */
  listResources(tenantId: string, mesh: string, query?: ResourceQuery): Promise<Page<StoredResource>>;

  /** Every resource of the mesh at `revision` (default head), in key order. */
  snapshot(tenantId: string, mesh: string, revision?: number): Promise<MeshSnapshot>;

  getRevision(tenantId: string, mesh: string, revision: number): Promise<RevisionRecord | undefined>;
  /** Newest first. */
  listRevisions(tenantId: string, mesh: string, page?: PageRequest): Promise<Page<RevisionRecord>>;

  /** Releases file handles / connections (and locks). Idempotent; other calls fail afterwards. */
  close(): Promise<void>;
}

export interface PageRequest {
  /** 1..1000; implementations default to 100. */
  limit?: number;
  /** Opaque cursor returned as `nextCursor` by the previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface ResourceQuery extends PageRequest {
  kind?: KindName;
  namespace?: string;
  atRevision?: number;
}

export interface NewTenant {
  id: string;
  displayName?: string;
}

export interface TenantRecord {
  id: string;
  displayName?: string;
  createdAt: string;
}

export type ApiKeyRole = 'admin' | 'tenant';

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  /** Hex SHA-256 of the secret. */
  hash: string;
  role: ApiKeyRole;
  description?: string;
  createdAt: string;
}

/** Mesh-wide settings; validated by the API layer, stored as given. */
export type MeshSettings = Record<string, unknown>;

export interface MeshRecord {
  tenantId: string;
  name: string;
  settings: MeshSettings;
  /** Version of the settings document (for If-Match). */
  version: string;
  /** Head config revision; 0 before the first commit. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export type Change =
  | {
      op: 'put';
      resource: IstioResource;
      /** null: must not exist yet; string: must currently have this resourceVersion. */
      expectedVersion?: string | null;
    }
  | {
      op: 'delete';
      key: ResourceKey;
      expectedVersion?: string;
    };

export interface CommitRequest {
  tenantId: string;
  mesh: string;
  /** Who made the change (API key id, or `system:<reason>`). */
  author: string;
  message?: string;
  changes: Change[];
  /** When set, the commit fails with PreconditionFailedError unless the head is this revision. */
  expectedRevision?: number;
  /** Set by rollback: the revision whose content this commit restores. */
  rollbackTo?: number;
}

export type ChangeAction = 'created' | 'updated' | 'deleted';

export interface RevisionChange {
  kind: KindName;
  namespace: string;
  name: string;
  action: ChangeAction;
  /** resourceVersion before the change (absent for created). */
  previousVersion?: string;
}

export interface RevisionRecord {
  revision: number;
  author: string;
  createdAt: string;
  message?: string;
  rollbackTo?: number;
  changes: RevisionChange[];
}

export interface CommitResult {
  /** The new revision, or the unchanged head when nothing changed. */
  revision: number;
  created: boolean;
  changes: RevisionChange[];
  /** The stored form of every put resource, in request order. */
  resources: StoredResource[];
}

export interface MeshSnapshot {
  revision: number;
  resources: StoredResource[];
}
