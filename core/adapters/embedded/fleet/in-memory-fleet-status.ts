import { TrellisError } from '../../../errors.ts';
import { byProxyId, isCurrent, validateProxyRemoval, validateProxyStatusRecords } from '../../../fleet/fleet-input.ts';
import type { FleetStatusStore, ProxyStatusRecord } from '../../../fleet/fleet-status.ts';
import { valid, validateMeshRef } from '../../../registry/registry-input.ts';

export interface InMemoryFleetStatusOptions {
  now?: () => Date;
}

/** The fleet status store in this process only: for tests and a single replica. Expired records are dropped when their mesh is listed. */
export class InMemoryFleetStatus implements FleetStatusStore {
  readonly #now: () => Date;
  /** Mesh (`tenant/mesh`: neither part holds `/`) → proxy id → record. */
  readonly #meshes = new Map<string, Map<string, ProxyStatusRecord>>();
  #closed = false;

  constructor(options: InMemoryFleetStatusOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async put(records: readonly ProxyStatusRecord[]): Promise<void> {
    this.#open();
    // Validation copies every record, so the caller keeps no handle on what is stored.
    for (const record of valid(validateProxyStatusRecords(records), 'proxy status records')) {
      const key = meshKey(record.tenantId, record.mesh);
      let mesh = this.#meshes.get(key);
      if (!mesh) this.#meshes.set(key, (mesh = new Map()));
      mesh.set(record.proxyId, record);
    }
  }

  async remove(tenantId: string, mesh: string, proxyIds: readonly string[], replica: string): Promise<void> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const removal = valid(validateProxyRemoval(proxyIds, replica), 'removal');
    const records = this.#meshes.get(meshKey(tenantId, mesh));
    if (!records) return;
    for (const id of removal.proxyIds) if (records.get(id)?.replica === removal.replica) records.delete(id);
    if (records.size === 0) this.#meshes.delete(meshKey(tenantId, mesh));
  }

  async list(tenantId: string, mesh: string): Promise<ProxyStatusRecord[]> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const records = this.#meshes.get(meshKey(tenantId, mesh));
    if (!records) return [];
    const now = this.#now();
    const current: ProxyStatusRecord[] = [];
    for (const [id, record] of records) {
      if (isCurrent(record, now)) current.push(structuredClone(record));
      else records.delete(id);
    }
    return current.sort(byProxyId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#meshes.clear();
  }

  #open(): void {
    if (this.#closed) throw new TrellisError('the fleet status store is closed');
  }
}

const meshKey = (tenantId: string, mesh: string): string => `${tenantId}/${mesh}`;
