import { boundedError, bySource, type CloudMapPollOutcome, type CloudMapSourceLeases, type CloudMapSourceRef, type CloudMapSourceStatus } from '../../../registry/cloud-map-source-status.ts';

/** Local mode's Cloud Map leases: one process polls every source, but the status is kept the same way as the fleet's. */
export class InMemoryCloudMapLeases implements CloudMapSourceLeases {
  readonly #now: () => Date;
  /** `tenant/mesh` → `namespace/service` → status. */
  readonly #meshes = new Map<string, Map<string, CloudMapSourceStatus>>();

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async acquire(ref: CloudMapSourceRef, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const current = this.#get(ref);
    if (current && current.holder !== holder && Date.parse(current.leaseExpiresAt) > now.getTime()) return false;
    const leaseExpiresAt = new Date(now.getTime() + ttlMs).toISOString();
    this.#mesh(ref).set(sourceKey(ref), { ...(current ?? { cloudMapNamespace: ref.cloudMapNamespace, service: ref.service, consecutiveFailures: 0 }), holder, leaseExpiresAt });
    return true;
  }

  async record(ref: CloudMapSourceRef, holder: string, outcome: CloudMapPollOutcome): Promise<boolean> {
    const current = this.#get(ref);
    if (current?.holder !== holder) return false;
    const at = this.#now().toISOString();
    this.#mesh(ref).set(
      sourceKey(ref),
      outcome.ok
        ? { ...current, lastAttemptAt: at, lastSuccessAt: at, consecutiveFailures: 0, instances: outcome.instances, skipped: outcome.skipped, filtered: outcome.filtered }
        : { ...current, lastAttemptAt: at, lastError: boundedError(outcome.error), lastErrorAt: at, consecutiveFailures: current.consecutiveFailures + 1 },
    );
    return true;
  }

  async release(ref: CloudMapSourceRef, holder: string): Promise<void> {
    const current = this.#get(ref);
    if (current?.holder === holder) this.#mesh(ref).set(sourceKey(ref), { ...current, leaseExpiresAt: this.#now().toISOString() });
  }

  async list(tenantId: string, mesh: string): Promise<CloudMapSourceStatus[]> {
    return [...(this.#meshes.get(`${tenantId}/${mesh}`)?.values() ?? [])].map((s) => ({ ...s })).sort(bySource);
  }

  async forget(tenantId: string, mesh: string, sources: readonly { cloudMapNamespace: string; service: string }[]): Promise<void> {
    const statuses = this.#meshes.get(`${tenantId}/${mesh}`);
    for (const s of sources) statuses?.delete(sourceKey(s));
  }

  #mesh(ref: CloudMapSourceRef): Map<string, CloudMapSourceStatus> {
    const key = `${ref.tenantId}/${ref.mesh}`;
    let mesh = this.#meshes.get(key);
    if (!mesh) this.#meshes.set(key, (mesh = new Map()));
    return mesh;
  }

  #get(ref: CloudMapSourceRef): CloudMapSourceStatus | undefined {
    return this.#meshes.get(`${ref.tenantId}/${ref.mesh}`)?.get(sourceKey(ref));
  }
}

// Cloud Map names hold no `/` (see core/mesh/registry-sources.ts).
const sourceKey = (s: { cloudMapNamespace: string; service: string }) => `${s.cloudMapNamespace}/${s.service}`;
