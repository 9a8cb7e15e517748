import type { Logger } from 'pino';
import type { RegisteredWorkload, WorkloadRegistry } from '../../core/registry/index.ts';
import type { IstioResource } from '../../core/resources/index.ts';
import { admitWorkload, type Admission } from './workload-admission.ts';
import type { ConnectingProxy } from './node-identity.ts';

export interface WorkloadRegistrarOptions {
  registry: WorkloadRegistry;
  /** The replica holding the streams: written into each entry, and only its own entries are removed. */
  replica: string;
  logger: Logger;
  now: () => Date;
  /** How long an entry counts without a refresh (a crashed replica's workloads disappear after it). */
  ttlMs: number;
  /** How long a disconnected sidecar stays registered (it may be reconnecting). */
  graceMs: number;
  /** The mesh's registered workloads changed: other replicas (and this one) re-read the registry. */
  announce: (tenantId: string, mesh: string) => Promise<void>;
  /** A proxy's registration was refused (metrics). */
  onRefused?: (reason: string) => void;
}

interface Held {
  tenantId: string;
  mesh: string;
  proxy: ConnectingProxy;
  nodeId: string;
  proxyIds: Set<string>;
  streams: number;
  admission: Admission | undefined;
  /** The WorkloadGroups it was last admitted under (`groupsKey`). */
  admittedUnder: string;
  since: string;
  graceTimer?: NodeJS.Timeout;
}

const meshKey = (tenantId: string, mesh: string) => `${tenantId}/${mesh}`;

/** Entries written per registry call (refreshes, and registrations queued together). */
const REFRESH_BATCH = 100;
/** A replica stopping gracefully writes its entries to last this many TTLs (see `handOver`). */
const HAND_OVER_TTLS = 3;

const groupsKeys = new WeakMap<readonly IstioResource[], string>();

/** What admission reads of a mesh's config: its WorkloadGroups (computed once per config snapshot). */
function groupsKey(resources: readonly IstioResource[]): string {
  let key = groupsKeys.get(resources);
  if (key === undefined) {
    key = JSON.stringify(resources.filter((r) => r.kind === 'WorkloadGroup').map((r) => [r.metadata.namespace, r.metadata.name, r.spec]));
    groupsKeys.set(resources, key);
  }
  return key;
}

function sameAdmission(a: Admission | undefined, b: Admission | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Keeps connected sidecars in the WorkloadRegistry — live state, never config revisions: admits
 * each on connect (WorkloadGroup / identity rules in workload-admission.ts), refreshes the entries
 * of the streams this replica holds before they expire, re-admits when the config changes (a
 * WorkloadGroup edited or created), and removes an entry after its last stream has been gone for
 * the grace period. Refusals are kept per proxy for proxy status.
 */
export class WorkloadRegistrar {
  /** By registry id (identity + node id): one entry however many streams the proxy opens. */
  private readonly held = new Map<string, Held>();
  private readonly refusals = new Map<string, string>();
  /** Proxies that are endpoints in the registry now. */
  private readonly registered = new Set<string>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly log: Logger;
  private stopped = false;
  private refreshing: Promise<void> | undefined;
  /** Registry id → the entry to write or remove next. */
  private readonly queued = new Map<string, { held: Held; remove: boolean }>();
  /** The write that will take what is queued now (not started yet), and the last one started or due. */
  private nextWrite: Promise<void> | undefined;
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(private readonly options: WorkloadRegistrarOptions) {
    this.log = options.logger.child({ component: 'workload-registrar' });
    this.heartbeat = setInterval(() => void this.refresh(), Math.max(50, Math.floor(options.ttlMs / 3)));
    this.heartbeat.unref();
  }

  /** A stream of `proxy` started; `resources` is the mesh config now. Returns the registry id it is held under. */
  connect(proxyId: string, nodeId: string, proxy: ConnectingProxy, resources: readonly IstioResource[]): string | undefined {
    const result = admitWorkload(proxy, nodeId, resources);
    if (!result) return undefined;
    if (!result.admitted) {
      this.refuse(proxyId, result.reason, proxy);
      return undefined;
    }
    const id = result.workload.id;
    this.refusals.delete(proxyId);
    this.registered.add(proxyId);
    const existing = this.held.get(id);
    if (existing) {
      clearTimeout(existing.graceTimer);
      existing.graceTimer = undefined;
      existing.streams++;
      existing.proxyIds.add(proxyId);
      existing.proxy = proxy;
      existing.admittedUnder = groupsKey(resources);
      if (sameAdmission(existing.admission, result.workload)) return id;
      existing.admission = result.workload;
    } else {
      this.held.set(id, { tenantId: proxy.tenantId, mesh: proxy.mesh, proxy, nodeId, proxyIds: new Set([proxyId]), streams: 1, admission: result.workload, admittedUnder: groupsKey(resources), since: this.options.now().toISOString() });
    }
    void this.enqueue([this.held.get(id)!], []);
    return id;
  }

  /** A stream held under `id` ended; the entry goes after the grace period unless the proxy reconnects. */
  disconnect(id: string, proxyId: string): void {
    const held = this.held.get(id);
    if (!held || --held.streams > 0) return;
    held.proxyIds.delete(proxyId);
    held.graceTimer = setTimeout(() => void this.release(id), this.options.graceMs);
    held.graceTimer.unref();
  }

  /** Forgets what was decided about a proxy once it has no stream any more. */
  forget(proxyId: string): void {
    this.refusals.delete(proxyId);
    this.registered.delete(proxyId);
  }

  /** Whether the proxy is an endpoint in the registry now. */
  isRegistered(proxyId: string): boolean {
    return this.registered.has(proxyId);
  }

  /** Why the proxy is no endpoint, when it was refused. */
  refusal(proxyId: string): string | undefined {
    return this.refusals.get(proxyId);
  }

  /** The config of a mesh changed: re-admit its held workloads (a WorkloadGroup may have changed). */
  reevaluate(tenantId: string, mesh: string, resources: readonly IstioResource[]): Promise<void> {
    const changed: Held[] = [];
    const gone: Held[] = [];
    const groups = groupsKey(resources);
    for (const [id, held] of this.held) {
      // Admitted under the same WorkloadGroups: the same answer (most revisions change none).
      if (held.tenantId !== tenantId || held.mesh !== mesh || held.streams <= 0 || held.admittedUnder === groups) continue;
      held.admittedUnder = groups;
      const result = admitWorkload(held.proxy, held.nodeId, resources);
      if (result?.admitted && result.workload.id === id) {
        if (!sameAdmission(held.admission, result.workload)) {
          held.admission = result.workload;
          changed.push(held);
        }
        continue;
      }
      for (const proxyId of held.proxyIds) {
        this.registered.delete(proxyId);
        this.refuse(proxyId, result && !result.admitted ? result.reason : 'no longer registrable', held.proxy);
      }
      this.held.delete(id);
      gone.push(held);
    }
    return this.enqueue(changed, gone);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const held of this.held.values()) clearTimeout(held.graceTimer);
  }

  private refuse(proxyId: string, reason: string, proxy: ConnectingProxy): void {
    if (this.refusals.get(proxyId) === reason) return;
    this.refusals.set(proxyId, reason);
    this.options.onRefused?.(reason);
    this.log.warn({ proxyId, mesh: proxy.mesh, namespace: proxy.descriptor.namespace, serviceAccount: proxy.descriptor.serviceAccount, reason }, 'workload not registered');
  }

  private entry(held: Held, admission: Admission, ttlMs = this.options.ttlMs): RegisteredWorkload {
    return {
      tenantId: held.tenantId,
      mesh: held.mesh,
      ...admission,
      ...(held.proxy.certificate ? { spiffeId: held.proxy.certificate.spiffeId } : {}),
      source: 'proxy',
      replica: this.options.replica,
      since: held.since,
      expiresAt: new Date(this.options.now().getTime() + ttlMs).toISOString(),
    };
  }

  /**
   * Queues puts and removals for the next write, which takes everything queued by then: the
   * registrations of a turn's connecting proxies (hundreds in a reconnect storm) are written
   * together, `REFRESH_BATCH` per registry call with a turn between calls, and each mesh touched
   * is announced once per write instead of once per proxy (an event to every replica each, on
   * EventBridge). Writes run one at a time, in order; the latest queued state of an entry wins.
   * Resolves once the write holding these is done.
   */
  private enqueue(put: readonly Held[], removed: readonly Held[]): Promise<void> {
    if (put.length === 0 && removed.length === 0) return Promise.resolve();
    for (const h of put) if (h.admission) this.queued.set(h.admission.id, { held: h, remove: false });
    for (const h of removed) if (h.admission) this.queued.set(h.admission.id, { held: h, remove: true });
    if (!this.nextWrite) {
      const write = this.lastWrite.then(() => new Promise((resolve) => setImmediate(resolve))).then(() => {
        this.nextWrite = undefined;
        return this.writeQueued();
      });
      this.nextWrite = write;
      this.lastWrite = write.catch(() => undefined);
    }
    return this.nextWrite;
  }

  /** Writes everything queued, then tells every replica of each mesh written. */
  private async writeQueued(): Promise<void> {
    const taken = [...this.queued.values()];
    this.queued.clear();
    const meshes = new Map<string, { tenantId: string; mesh: string }>();
    for (let i = 0; i < taken.length && !this.stopped; i += REFRESH_BATCH) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      const batch = taken.slice(i, i + REFRESH_BATCH);
      try {
        const entries = batch.flatMap(({ held, remove }) => (!remove && held.admission ? [this.entry(held, held.admission)] : []));
        if (entries.length > 0) await this.options.registry.put(entries);
        for (const { held, remove } of batch) if (remove && held.admission) await this.options.registry.remove(held.tenantId, held.mesh, [held.admission.id], this.options.replica);
        for (const { held } of batch) meshes.set(meshKey(held.tenantId, held.mesh), { tenantId: held.tenantId, mesh: held.mesh });
      } catch (err) {
        this.log.error({ err }, 'workload registry write failed; the heartbeat retries');
      }
    }
    if (this.stopped) return;
    for (const { tenantId, mesh } of meshes.values()) await this.options.announce(tenantId, mesh);
  }

  /**
   * Extends every entry this replica holds (a failed refresh is retried on the next beat, well
   * before expiry), `REFRESH_BATCH` at a time with a turn of the event loop between batches:
   * validating every entry of a replica at once (1,000 sidecars) held the loop for 50 ms each beat,
   * delaying every stream's pushes. A beat that finds the last one still writing leaves it be.
   */
  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = this.refreshBatches(this.options.ttlMs, () => this.stopped, 'workload registry refresh failed; retried on the next beat').finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  /**
   * Before a graceful stop (a deploy replacing this replica), while its streams are still open:
   * writes every entry it holds to expire after HAND_OVER_TTLS times the usual TTL. The workloads
   * stay endpoints while their proxies reconnect to other replicas, whose registrars write them
   * again and keep them from then on. Without it an entry last refreshed a heartbeat before had
   * under a minute left, and proxies that took longer to come back (10,000 sidecars reconnecting
   * to one replica took 150 s) dropped out of every other proxy's endpoints and came back, each
   * time a push to the whole mesh. A crashed replica writes nothing: its entries expire as usual,
   * and an entry whose proxy never comes back goes after the longer expiry.
   */
  async handOver(): Promise<void> {
    clearInterval(this.heartbeat);
    // A refresh under way and the registrations and removals queued so far are written first: a
    // refresh after this would shorten what is written here, and a removal left out would linger.
    await this.refreshing;
    await this.lastWrite;
    this.stopped = true;
    await this.refreshBatches(this.options.ttlMs * HAND_OVER_TTLS, () => false, 'workload registry hand-over failed; these entries expire after the usual TTL');
  }

  /** Writes every entry whose proxy holds a stream here to expire `ttlMs` from now, a batch at a time, until `stop()`; a failed batch is logged with `failure`. */
  private async refreshBatches(ttlMs: number, stop: () => boolean, failure: string): Promise<void> {
    // Held with a stream open. An entry in its grace period is not written: its proxy may hold a
    // stream to another replica by now, whose entry a write from here would take back, and the
    // removal at the end of the grace period would then delete it under that proxy's new replica.
    // The grace period (10 s) is well within what the last write left (two thirds of the TTL).
    const live = (h: Held) => h.admission !== undefined && this.held.get(h.admission.id) === h && h.streams > 0;
    const due = [...this.held.values()].filter(live);
    for (let i = 0; i < due.length && !stop(); i += REFRESH_BATCH) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      // Gone meanwhile: not written back (a removal may have run).
      const batch = due.slice(i, i + REFRESH_BATCH).filter(live);
      if (batch.length === 0) continue;
      try {
        await this.options.registry.put(batch.map((h) => this.entry(h, h.admission!, ttlMs)));
      } catch (err) {
        this.log.warn({ err, entries: batch.length }, failure);
      }
    }
  }

  private async release(id: string): Promise<void> {
    const held = this.held.get(id);
    if (!held || held.streams > 0) return;
    this.held.delete(id);
    await this.enqueue([], [held]);
  }
}
