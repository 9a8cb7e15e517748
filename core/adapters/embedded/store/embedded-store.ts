import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, NotFoundError, PreconditionFailedError, TrellisError, ValidationError } from '../../../errors.ts';
import type { ResourceKey, StoredResource } from '../../../resources/resource.ts';
import { changeKeys } from '../../../store/change-checks.ts';
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
import { pageLimit } from '../../../store/page-limit.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { lockDirectory } from './dir-lock.ts';
import { CorruptJournalError } from './errors.ts';
import { Journal, syncDirectory, type RecoveryEvent } from './journal.ts';
import { MeshIndex, sortKey } from './mesh-index.ts';
import { planCommit } from './plan-commit.ts';
import type { CommitRecord, MetaRecord, StoredMesh } from './records.ts';
import { Mutex } from './mutex.ts';

export interface EmbeddedStoreOptions {
  /** The store's own directory (made 0700); nothing else should live in it. */
  dir: string;
  now?: () => Date;
  /** Told when opening cut off a torn tail left by a crash mid-write. */
  onRecovery?: (event: RecoveryEvent) => void;
}

/** A commit larger than this is refused: one record is read whole when a past revision is needed. */
const MAX_COMMIT_BYTES = 16 * 1024 * 1024;
const META_FILE = 'meta.journal';
const MESH_DIR = 'meshes';

interface MeshState {
  record: StoredMesh;
  index: MeshIndex;
  journal: Journal;
  deleted: boolean;
}

/**
 * Opens (creating if needed) the embedded store in `dir`, taking its lock.
 *
 * Layout: `meta.journal` (tenants, API keys, mesh settings) and one journal per mesh,
 * `meshes/<id>.journal`, whose records are whole revisions. One file per mesh because a
 * mesh's revisions are read together (replay, past revisions, rollback) and never across
 * meshes, and because deleting a mesh then frees its space at once by unlinking the file;
 * no compaction is done, so a live mesh keeps every revision (that is what makes any past
 * revision readable). The whole state is replayed into memory on open; past bodies stay on
 * disk and are read by offset.
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<ConfigStore> {
  return EmbeddedStore.open(options);
}

class EmbeddedStore implements ConfigStore {
  readonly #tenants = new Map<string, TenantRecord>();
  /** By tenant, then key id. */
  readonly #keys = new Map<string, Map<string, ApiKeyRecord>>();
  readonly #keysByHash = new Map<string, ApiKeyRecord>();
  /** By tenant, then mesh name. */
  readonly #meshes = new Map<string, Map<string, MeshState>>();
  readonly #writes = new Mutex();
  #closed = false;

  private constructor(
    private readonly dir: string,
    private readonly meta: Journal,
    private readonly unlock: () => Promise<void>,
    private readonly now: () => Date,
  ) {}

  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const { dir } = options;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const unlock = await lockDirectory(dir);
    const opened: Journal[] = [];
    try {
      await mkdir(path.join(dir, MESH_DIR), { recursive: true, mode: 0o700 });
      const metaFile = path.join(dir, META_FILE);
      const { journal: meta, records } = await Journal.open(metaFile, options.onRecovery).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        return { journal: await Journal.create(metaFile), records: [] };
      });
      opened.push(meta);
      const store = new EmbeddedStore(dir, meta, unlock, options.now ?? (() => new Date()));
      const meshes = new Map<string, StoredMesh>();
      for (const { offset, payload } of records) store.#applyMeta(payload as MetaRecord, meshes, metaFile, offset);
      for (const mesh of meshes.values()) opened.push((await store.#loadMesh(mesh, options.onRecovery)).journal);
      await store.#removeOrphans(new Set([...meshes.values()].map((m) => m.id)));
      return store;
    } catch (error) {
      await Promise.allSettled(opened.map((j) => j.close()));
      await unlock();
      throw error;
    }
  }

  // ---- tenants and API keys ----

  async createTenant(tenant: NewTenant): Promise<TenantRecord> {
    requireId(tenant?.id, 'id');
    return this.#write(async () => {
      if (this.#tenants.has(tenant.id)) throw new ConflictError(`tenant ${tenant.id} already exists`);
      const record: TenantRecord = { id: tenant.id, createdAt: this.now().toISOString() };
      if (tenant.displayName !== undefined) record.displayName = tenant.displayName;
      await this.#appendMeta({ type: 'tenant', tenant: record });
      this.#tenants.set(record.id, record);
      return structuredClone(record);
    });
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    this.#open();
    const tenant = this.#tenants.get(tenantId);
    return tenant && structuredClone(tenant);
  }

  async listTenants(page?: PageRequest): Promise<Page<TenantRecord>> {
    this.#open();
    return pageOf([...this.#tenants.values()].sort(byString((t) => t.id)), (t) => t.id, page);
  }

  async createApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    requireId(key?.id, 'id');
    requireId(key.hash, 'hash');
    return this.#write(async () => {
      this.#tenant(key.tenantId);
      if (this.#keys.get(key.tenantId)?.has(key.id)) throw new ConflictError(`API key ${key.id} already exists`);
      if (this.#keysByHash.has(key.hash)) throw new ConflictError('an API key with this hash already exists');
      const record = structuredClone(key);
      await this.#appendMeta({ type: 'apiKey', key: record });
      this.#addKey(record);
      return structuredClone(record);
    });
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    this.#open();
    const key = this.#keysByHash.get(hash);
    return key && structuredClone(key);
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    this.#open();
    this.#tenant(tenantId);
    return [...(this.#keys.get(tenantId)?.values() ?? [])].sort(byString((k) => k.id)).map((k) => structuredClone(k));
  }

  async deleteApiKey(tenantId: string, keyId: string): Promise<void> {
    return this.#write(async () => {
      this.#tenant(tenantId);
      if (!this.#keys.get(tenantId)?.has(keyId)) throw new NotFoundError(`API key ${keyId} not found`);
      await this.#appendMeta({ type: 'apiKeyDeleted', tenantId, id: keyId });
      this.#removeKey(tenantId, keyId);
    });
  }

  // ---- meshes ----

  async putMesh(tenantId: string, name: string, settings: MeshSettings, options?: { expectedVersion?: string | null }): Promise<{ mesh: MeshRecord; created: boolean }> {
    requireId(name, 'name');
    return this.#write(async () => {
      this.#tenant(tenantId);
      const existing = this.#meshes.get(tenantId)?.get(name);
      const expected = options?.expectedVersion;
      if (expected === null && existing) throw new PreconditionFailedError(`mesh ${name} already exists`, existing.record.version);
      if (typeof expected === 'string' && existing?.record.version !== expected) {
        throw new PreconditionFailedError(`mesh ${name} is not at version ${expected}`, existing?.record.version);
      }
      const at = this.now().toISOString();
      const copy = JSON.parse(JSON.stringify(settings ?? {})) as MeshSettings;
      if (existing) {
        const record: StoredMesh = { ...existing.record, settings: copy, version: String(Number(existing.record.version) + 1), updatedAt: at };
        await this.#appendMeta({ type: 'mesh', mesh: record });
        existing.record = record;
        return { mesh: meshRecord(existing), created: false };
      }
      const record: StoredMesh = { id: randomUUID(), tenantId, name, settings: copy, version: '1', createdAt: at, updatedAt: at };
      const journal = await Journal.create(this.#meshFile(record.id));
      try {
        await this.#appendMeta({ type: 'mesh', mesh: record });
      } catch (error) {
        await journal.close();
        await unlink(journal.file).catch(() => undefined); // an orphan left here is removed on the next open
        throw error;
      }
      const state: MeshState = { record, index: new MeshIndex(), journal, deleted: false };
      this.#meshMap(tenantId).set(name, state);
      return { mesh: meshRecord(state), created: true };
    });
  }

  async getMesh(tenantId: string, name: string): Promise<MeshRecord | undefined> {
    this.#open();
    const state = this.#meshes.get(tenantId)?.get(name);
    return state && meshRecord(state);
  }

  async listMeshes(tenantId: string, page?: PageRequest): Promise<Page<MeshRecord>> {
    this.#open();
    this.#tenant(tenantId);
    const all = [...(this.#meshes.get(tenantId)?.values() ?? [])].map(meshRecord).sort(byString((m) => m.name));
    return pageOf(all, (m) => m.name, page);
  }

  async deleteMesh(tenantId: string, name: string): Promise<void> {
    return this.#write(async () => {
      const state = this.#mesh(tenantId, name);
      await this.#appendMeta({ type: 'meshDeleted', tenantId, name });
      this.#meshes.get(tenantId)?.delete(name);
      state.deleted = true;
      await state.journal.close();
      // Once the deletion record is durable the file is garbage; a failed unlink is retried on the next open.
      await unlink(state.journal.file).catch(() => undefined);
      await syncDirectory(path.dirname(state.journal.file)).catch(() => undefined);
    });
  }

  // ---- config ----

  async commit(request: CommitRequest): Promise<CommitResult> {
    const keys = changeKeys(request.changes ?? []);
    return this.#write(async () => {
      const state = this.#mesh(request.tenantId, request.mesh);
      const revision = state.index.head + 1;
      const plan = planCommit(state.index, request, keys, revision);
      if (plan.changes.length === 0) return { revision: state.index.head, created: false, changes: [], resources: plan.resources };
      const record: CommitRecord = {
        type: 'commit',
        revision,
        author: request.author,
        createdAt: this.now().toISOString(),
        ...(request.message !== undefined && { message: request.message }),
        ...(request.rollbackTo !== undefined && { rollbackTo: request.rollbackTo }),
        changes: plan.changes,
      };
      const at = await state.journal.append(record, MAX_COMMIT_BYTES);
      state.index.apply(record, at);
      return {
        revision,
        created: true,
        changes: record.changes.map(({ resource: _body, ...change }) => change),
        resources: structuredClone(plan.resources),
      };
    });
  }

  async getResource(tenantId: string, mesh: string, key: ResourceKey, options?: { atRevision?: number }): Promise<StoredResource | undefined> {
    const state = this.#mesh(tenantId, mesh);
    const revision = this.#revisionOrHead(state, options?.atRevision);
    const visible = state.index.visibleAt(sortKey(key), revision);
    if (!visible) return undefined;
    return structuredClone(await this.#body(state, visible, new Map()));
  }

  async listResources(tenantId: string, mesh: string, query?: ResourceQuery): Promise<Page<StoredResource>> {
    const state = this.#mesh(tenantId, mesh);
    const limit = pageLimit(query);
    const after = decodeCursor<string>(query?.cursor, 'string');
    const revision = this.#revisionOrHead(state, query?.atRevision);
    const { kind, namespace } = query ?? {};
    const prefix = kind === undefined ? '' : namespace === undefined ? `${kind}\u0000` : `${kind}\u0000${namespace}\u0000`;
    // Picked synchronously, so one page never mixes two heads.
    const picked: { sk: string; visible: NonNullable<ReturnType<MeshIndex['visibleAt']>> }[] = [];
    let more = false;
    for (const sk of state.index.keys(after, prefix)) {
      const visible = state.index.visibleAt(sk, revision);
      if (!visible || (namespace !== undefined && visible.key.namespace !== namespace)) continue;
      if (picked.length === limit) {
        more = true;
        break;
      }
      picked.push({ sk, visible });
    }
    const cache = new Map<number, Promise<CommitRecord>>();
    const items = await Promise.all(picked.map(({ visible }) => this.#body(state, visible, cache)));
    const last = picked.at(-1);
    return { items: structuredClone(items), ...(more && last && { nextCursor: encodeCursor(last.sk) }) };
  }

  async snapshot(tenantId: string, mesh: string, revision?: number): Promise<MeshSnapshot> {
    const state = this.#mesh(tenantId, mesh);
    const at = this.#revisionOrHead(state, revision);
    const visible = [...state.index.keys(undefined)].flatMap((sk) => state.index.visibleAt(sk, at) ?? []);
    const cache = new Map<number, Promise<CommitRecord>>();
    const resources = await Promise.all(visible.map((v) => this.#body(state, v, cache)));
    return { revision: at, resources: structuredClone(resources) };
  }

  async getRevision(tenantId: string, mesh: string, revision: number): Promise<RevisionRecord | undefined> {
    const state = this.#mesh(tenantId, mesh);
    if (!Number.isInteger(revision) || revision < 1 || revision > state.index.head) return undefined;
    return revisionRecord(await this.#readCommit(state, revision));
  }

  async listRevisions(tenantId: string, mesh: string, page?: PageRequest): Promise<Page<RevisionRecord>> {
    const state = this.#mesh(tenantId, mesh);
    const limit = pageLimit(page);
    const after = decodeCursor<number>(page?.cursor, 'number');
    const first = Math.min(after === undefined ? state.index.head : after - 1, state.index.head);
    const numbers: number[] = [];
    for (let n = first; n >= 1 && numbers.length < limit; n--) numbers.push(n);
    const items = await Promise.all(numbers.map(async (n) => revisionRecord(await this.#readCommit(state, n))));
    const last = numbers.at(-1);
    return { items, ...(last !== undefined && last > 1 && { nextCursor: encodeCursor(last) }) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#writes.run(async () => {
      if (this.#closed) return;
      this.#closed = true;
      const journals = [this.meta, ...[...this.#meshes.values()].flatMap((m) => [...m.values()].map((s) => s.journal))];
      await Promise.allSettled(journals.map((j) => j.close()));
      await this.unlock();
    });
  }

  // ---- internals ----

  #open(): void {
    if (this.#closed) throw new TrellisError('the store is closed');
  }

  /** Every write runs alone, so checks and the append they guard never interleave. */
  #write<T>(section: () => Promise<T>): Promise<T> {
    return this.#writes.run(async () => {
      this.#open();
      return section();
    });
  }

  #tenant(tenantId: string): TenantRecord {
    const tenant = this.#tenants.get(tenantId);
    if (!tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
    return tenant;
  }

  #mesh(tenantId: string, name: string): MeshState {
    this.#open();
    this.#tenant(tenantId);
    const state = this.#meshes.get(tenantId)?.get(name);
    if (!state) throw new NotFoundError(`mesh ${name} not found`);
    return state;
  }

  #meshMap(tenantId: string): Map<string, MeshState> {
    let map = this.#meshes.get(tenantId);
    if (!map) this.#meshes.set(tenantId, (map = new Map()));
    return map;
  }

  #meshFile(id: string): string {
    return path.join(this.dir, MESH_DIR, `${id}.journal`);
  }

  #revisionOrHead(state: MeshState, revision: number | undefined): number {
    if (revision === undefined) return state.index.head;
    if (!Number.isInteger(revision) || revision < 0 || revision > state.index.head) {
      throw new NotFoundError(`revision ${revision} of mesh ${state.record.name} not found`);
    }
    return revision;
  }

  async #appendMeta(record: MetaRecord): Promise<void> {
    await this.meta.append(record);
  }

  async #readCommit(state: MeshState, revision: number): Promise<CommitRecord> {
    const at = state.index.location(revision);
    if (!at) throw new NotFoundError(`revision ${revision} of mesh ${state.record.name} not found`);
    try {
      return (await state.journal.read(at)) as CommitRecord;
    } catch (error) {
      if (state.deleted) throw new NotFoundError(`mesh ${state.record.name} not found`, { cause: error });
      throw error;
    }
  }

  /** The body of a visible resource: from memory at head, else from the record that wrote it. */
  async #body(state: MeshState, visible: { key: ResourceKey; body?: StoredResource; writtenAt: number }, cache: Map<number, Promise<CommitRecord>>): Promise<StoredResource> {
    if (visible.body) return visible.body;
    let record = cache.get(visible.writtenAt);
    if (!record) cache.set(visible.writtenAt, (record = this.#readCommit(state, visible.writtenAt)));
    const sk = sortKey(visible.key);
    const change = (await record).changes.find((c) => sortKey(c) === sk);
    if (!change?.resource) throw new CorruptJournalError(state.journal.file, state.index.location(visible.writtenAt)?.offset ?? -1, `revision ${visible.writtenAt} lacks ${sk}`);
    return change.resource;
  }

  #addKey(key: ApiKeyRecord): void {
    let keys = this.#keys.get(key.tenantId);
    if (!keys) this.#keys.set(key.tenantId, (keys = new Map()));
    keys.set(key.id, key);
    this.#keysByHash.set(key.hash, key);
  }

  #removeKey(tenantId: string, id: string): void {
    const key = this.#keys.get(tenantId)?.get(id);
    if (!key) return;
    this.#keys.get(tenantId)?.delete(id);
    this.#keysByHash.delete(key.hash);
  }

  #applyMeta(record: MetaRecord, meshes: Map<string, StoredMesh>, file: string, offset: number): void {
    const meshKey = (tenantId: string, name: string) => `${tenantId}\u0000${name}`;
    switch (record?.type) {
      case 'tenant':
        this.#tenants.set(record.tenant.id, record.tenant);
        return;
      case 'apiKey':
        this.#addKey(record.key);
        return;
      case 'apiKeyDeleted':
        this.#removeKey(record.tenantId, record.id);
        return;
      case 'mesh':
        meshes.set(meshKey(record.mesh.tenantId, record.mesh.name), record.mesh);
        return;
      case 'meshDeleted':
        meshes.delete(meshKey(record.tenantId, record.name));
        return;
      default:
        throw new CorruptJournalError(file, offset, 'unknown record type');
    }
  }

  async #loadMesh(record: StoredMesh, onRecovery?: (event: RecoveryEvent) => void): Promise<MeshState> {
    const file = this.#meshFile(record.id);
    const { journal, records } = await Journal.open(file, onRecovery).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new CorruptJournalError(file, 0, `journal of mesh ${record.name} is missing`, { cause: error }) : error;
    });
    const state: MeshState = { record, index: new MeshIndex(), journal, deleted: false };
    this.#meshMap(record.tenantId).set(record.name, state);
    for (const { offset, length, payload } of records) {
      const commit = payload as CommitRecord;
      if (commit?.type !== 'commit') throw new CorruptJournalError(file, offset, 'unknown record type');
      try {
        state.index.apply(commit, { offset, length });
      } catch (error) {
        throw new CorruptJournalError(file, offset, (error as Error).message, { cause: error });
      }
    }
    return state;
  }

  /** Journals of deleted meshes (or of a mesh whose creation never became durable). */
  async #removeOrphans(live: Set<string>): Promise<void> {
    const dir = path.join(this.dir, MESH_DIR);
    for (const name of await readdir(dir)) {
      if (!live.has(name.replace(/\.journal$/, ''))) await unlink(path.join(dir, name));
    }
  }
}

function meshRecord(state: MeshState): MeshRecord {
  const { id: _file, ...rest } = state.record;
  return structuredClone({ ...rest, revision: state.index.head });
}

function revisionRecord(record: CommitRecord): RevisionRecord {
  const { type: _type, changes, ...rest } = record;
  return { ...rest, changes: changes.map(({ resource: _body, ...change }) => change) };
}

function requireId(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '') throw new ValidationError(`invalid ${field}`, [{ path: field, message: 'must be a non-empty string' }]);
}

function byString<T>(of: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => (of(a) < of(b) ? -1 : of(a) > of(b) ? 1 : 0);
}

/** A page of a sorted list, resuming strictly after the cursor's position. */
function pageOf<T>(sorted: T[], position: (item: T) => string, page?: PageRequest): Page<T> {
  const limit = pageLimit(page);
  const after = decodeCursor<string>(page?.cursor, 'string');
  const rest = after === undefined ? sorted : sorted.filter((item) => position(item) > after);
  const items = rest.slice(0, limit).map((item) => structuredClone(item));
  const last = items.at(-1);
  return { items, ...(rest.length > limit && last && { nextCursor: encodeCursor(position(last)) }) };
}
