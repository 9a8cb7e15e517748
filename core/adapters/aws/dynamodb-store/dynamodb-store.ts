/**
 * The DynamoDB ConfigStore: one table, string keys `PK` (partition) and `SK` (sort), no GSIs.
 *
 * Items (`<rev>` is the revision zero-padded to 10 digits, so sort order is numeric order;
 * `<pos>` is `<kind>#<namespace>#<name>`, whose parts hold no character at or below `#`):
 *
 * | PK                 | SK                   | holds                                                     |
 * |--------------------|----------------------|-----------------------------------------------------------|
 * | `TENANTS`          | `TENANT#<id>`        | a tenant (one directory partition: ordered, consistent)   |
 * | `TENANT#<t>`       | `KEY#<id>`           | an API key record                                         |
 * | `APIKEY#<hash>`    | `APIKEY`             | the same record under its hash (lookup, uniqueness)       |
 * | `TENANT#<t>`       | `MESH#<name>`        | mesh settings + version, head `revision`, `meshId`        |
 * | `MESH#<meshId>`    | `RES#<pos>`          | a resource at head: `ver`, `doc` (JSON) or `docz` (gzip)  |
 * | `MESH#<meshId>`    | `HIST#<pos>#<rev>`   | what `<pos>` became at `<rev>`: its body, or `deleted`    |
 * | `MESH#<meshId>`    | `REV#<rev>`          | the revision record (author, time, message, changes)      |
 * | `PURGE`            | `MESH#<meshId>`      | a deleted mesh whose partition is still being purged      |
 *
 * `meshId` is a fresh UUID per mesh creation: the config of a mesh lives in its own partition,
 * so deleting the mesh item hides the whole config at once and a re-created mesh starts empty
 * even while the old partition is still being purged.
 *
 * Access patterns (all reads strongly consistent):
 * - tenant, mesh, API key by id or hash, resource at head, revision n: GetItem;
 * - list tenants / meshes / API keys: Query `PK = TENANTS|TENANT#<t>`, `SK BETWEEN 'X#' AND 'X$'`
 *   (the range of one prefix), ExclusiveStartKey from the cursor;
 * - list resources at head: Query `PK = MESH#<id>`, `SK BETWEEN 'RES#<prefix>' AND …$` where the
 *   prefix is '', `<kind>#` or `<kind>#<ns>#` (a namespace alone is one range per kind, in order);
 * - resource at a past revision r: Query `SK BETWEEN 'HIST#<pos>#0…0' AND 'HIST#<pos>#<r>'`,
 *   ScanIndexForward=false, Limit 1;
 * - list / snapshot at a past revision r: Query the `HIST#<prefix>` range in key order and keep,
 *   per position, the newest item at or below r (tombstones hide the key);
 * - revisions newest first: Query `SK BETWEEN 'REV#<1>' AND 'REV#<start>'`, ScanIndexForward=false.
 *
 * Writes: a commit is one TransactWriteItems (see commit.ts) whose first action moves the mesh
 * head by one under a condition on its current value; limits are checked before it is sent
 * (limits.ts). Tenants, keys and mesh creation use conditional writes or small transactions.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TrellisError } from '../../../errors.ts';
import type { ResourceKey, StoredResource } from '../../../resources/resource.ts';
import type {
  ApiKeyRecord,
  CommitRequest,
  CommitResult,
  ConfigStore,
  MeshRecord,
  MeshSettings,
  MeshSnapshot,
  NewTenant,
  Page,
  PageRequest,
  ResourceQuery,
  RevisionRecord,
  TenantRecord,
} from '../../../store/config-store.ts';
import { createApiKey, deleteApiKey, findApiKeyByHash, listApiKeys } from './api-keys.ts';
import { commit } from './commit.ts';
import type { StoreContext } from './context.ts';
import { MAX_ITEM_BYTES } from './limits.ts';
import { deleteMesh, getMesh, listMeshes, putMesh } from './meshes.ts';
import { resumePurges } from './purge.ts';
import { getResource, listResources, snapshot } from './resource-reads.ts';
import { getRevision, listRevisions } from './revisions.ts';
import { TableClient } from './table-client.ts';
import { createTenant, getTenant, listTenants } from './tenants.ts';

export interface DynamoDbConfigStoreOptions {
  /** Owned by the caller: `close()` does not destroy it. */
  client: DynamoDBClient;
  tableName: string;
  now?: () => Date;
  /** Largest item written; DynamoDB's limit (400 KB) by default. */
  maxItemBytes?: number;
  /** Told when deleteMesh hid a mesh but could not purge its items; `resumePurges()` finishes the job. */
  onPurgeFailure?: (meshId: string, error: Error) => void;
}

export class DynamoDbConfigStore implements ConfigStore {
  readonly #ctx: StoreContext;
  #closed = false;

  constructor(options: DynamoDbConfigStoreOptions) {
    this.#ctx = {
      table: new TableClient(options.client, options.tableName),
      now: options.now ?? (() => new Date()),
      maxItemBytes: Math.min(options.maxItemBytes ?? MAX_ITEM_BYTES, MAX_ITEM_BYTES),
      onPurgeFailure: options.onPurgeFailure ?? (() => {}),
    };
  }

  createTenant(tenant: NewTenant): Promise<TenantRecord> {
    return this.#run(() => createTenant(this.#ctx, tenant));
  }

  getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.#run(() => getTenant(this.#ctx, tenantId));
  }

  listTenants(page?: PageRequest): Promise<Page<TenantRecord>> {
    return this.#run(() => listTenants(this.#ctx, page));
  }

  createApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    return this.#run(() => createApiKey(this.#ctx, key));
  }

  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#run(() => findApiKeyByHash(this.#ctx, hash));
  }

  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.#run(() => listApiKeys(this.#ctx, tenantId));
  }

  deleteApiKey(tenantId: string, keyId: string): Promise<void> {
    return this.#run(() => deleteApiKey(this.#ctx, tenantId, keyId));
  }

  putMesh(tenantId: string, name: string, settings: MeshSettings, options?: { expectedVersion?: string | null }): Promise<{ mesh: MeshRecord; created: boolean }> {
    return this.#run(() => putMesh(this.#ctx, tenantId, name, settings, options));
  }

  getMesh(tenantId: string, name: string): Promise<MeshRecord | undefined> {
    return this.#run(() => getMesh(this.#ctx, tenantId, name));
  }

  listMeshes(tenantId: string, page?: PageRequest): Promise<Page<MeshRecord>> {
    return this.#run(() => listMeshes(this.#ctx, tenantId, page));
  }

  deleteMesh(tenantId: string, name: string): Promise<void> {
    return this.#run(() => deleteMesh(this.#ctx, tenantId, name));
  }

  commit(request: CommitRequest): Promise<CommitResult> {
    return this.#run(() => commit(this.#ctx, request));
  }

  getResource(tenantId: string, mesh: string, key: ResourceKey, options?: { atRevision?: number }): Promise<StoredResource | undefined> {
    return this.#run(() => getResource(this.#ctx, tenantId, mesh, key, options));
  }

  listResources(tenantId: string, mesh: string, query?: ResourceQuery): Promise<Page<StoredResource>> {
    return this.#run(() => listResources(this.#ctx, tenantId, mesh, query));
  }

  snapshot(tenantId: string, mesh: string, revision?: number): Promise<MeshSnapshot> {
    return this.#run(() => snapshot(this.#ctx, tenantId, mesh, revision));
  }

  getRevision(tenantId: string, mesh: string, revision: number): Promise<RevisionRecord | undefined> {
    return this.#run(() => getRevision(this.#ctx, tenantId, mesh, revision));
  }

  listRevisions(tenantId: string, mesh: string, page?: PageRequest): Promise<Page<RevisionRecord>> {
    return this.#run(() => listRevisions(this.#ctx, tenantId, mesh, page));
  }

  /** Finishes mesh purges an earlier deleteMesh left undone; for a periodic sweeper. */
  resumePurges(): Promise<number> {
    return this.#run(() => resumePurges(this.#ctx));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new TrellisError('the store is closed');
    return operation();
  }
}
