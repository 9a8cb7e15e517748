import { TrellisError } from '../../../errors.ts';
import { byId, isLive, valid, validateMeshRef, validateRegisteredWorkloads, validateRemoval } from '../../../registry/registry-input.ts';
import type { RegisteredWorkload, WorkloadRegistry } from '../../../registry/workload-registry.ts';

export interface InMemoryWorkloadRegistryOptions {
  now?: () => Date;
}

/**
 * The WorkloadRegistry of local mode: live state in this process only, rebuilt as proxies
 * reconnect after a restart. Expired entries are dropped when their mesh is listed.
 */
export class InMemoryWorkloadRegistry implements WorkloadRegistry {
  readonly #now: () => Date;
  /** Mesh (`tenant/mesh`: neither part holds `/`) → id → entry. */
  readonly #meshes = new Map<string, Map<string, RegisteredWorkload>>();
  #closed = false;

  constructor(options: InMemoryWorkloadRegistryOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async put(entries: readonly RegisteredWorkload[]): Promise<void> {
    this.#open();
    // Validation copies every entry, so the caller keeps no handle on what is stored.
    for (const entry of valid(validateRegisteredWorkloads(entries), 'registered workloads')) {
      const key = meshKey(entry.tenantId, entry.mesh);
      let mesh = this.#meshes.get(key);
      if (!mesh) this.#meshes.set(key, (mesh = new Map()));
      mesh.set(entry.id, entry);
    }
  }

  async remove(tenantId: string, mesh: string, ids: readonly string[], replica: string): Promise<void> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const removal = valid(validateRemoval(ids, replica), 'removal');
    const entries = this.#meshes.get(meshKey(tenantId, mesh));
    if (!entries) return;
    for (const id of removal.ids) if (entries.get(id)?.replica === removal.replica) entries.delete(id);
    if (entries.size === 0) this.#meshes.delete(meshKey(tenantId, mesh));
  }

  async list(tenantId: string, mesh: string): Promise<RegisteredWorkload[]> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const entries = this.#meshes.get(meshKey(tenantId, mesh));
    if (!entries) return [];
    const now = this.#now();
    const live: RegisteredWorkload[] = [];
    for (const [id, entry] of entries) {
      if (isLive(entry, now)) live.push(structuredClone(entry));
      else entries.delete(id);
    }
    return live.sort(byId);
  }

  async removeMesh(tenantId: string, mesh: string): Promise<void> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    this.#meshes.delete(meshKey(tenantId, mesh));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#meshes.clear();
  }

  #open(): void {
    if (this.#closed) throw new TrellisError('the workload registry is closed');
  }
}

const meshKey = (tenantId: string, mesh: string): string => `${tenantId}/${mesh}`;
