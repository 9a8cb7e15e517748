import { cloudMapEntries, type CloudMapInstanceLister, type CloudMapSource, type SkippedInstance } from '../../core/registry/cloud-map-entries.ts';
import type { CloudMapPollOutcome, CloudMapSourceLeases, CloudMapSourceRef } from '../../core/registry/cloud-map-source-status.ts';
import type { WorkloadRegistry } from '../../core/registry/workload-registry.ts';

/** The `replica` of every Cloud Map entry: the lease, not the entry, says which replica polls, so whoever takes a source over may remove what it holds. */
export const CLOUD_MAP_REPLICA = 'cloud-map';

export interface CloudMapPollerOptions {
  registry: WorkloadRegistry;
  lister: CloudMapInstanceLister;
  tenantId: string;
  mesh: string;
  sources: readonly CloudMapSource[];
  /** Which replica polls each source, and how its polls went (shared by the fleet). */
  leases: CloudMapSourceLeases;
  /** This replica's name in the leases. */
  holder: string;
  /** Time between polls (default 30 s); entries live three periods and leases two, so a stopped holder's sources are taken over before its entries expire. */
  periodMs?: number;
  now?: () => Date;
  /** A source that could not be listed, or instances that could not be entries: the poll goes on. */
  onProblem?: (problem: { source: CloudMapSource; error?: unknown; skipped?: SkippedInstance[] }) => void;
  /** Every poll this replica made of a source it held, with its outcome (metrics). */
  onPolled?: (source: CloudMapSource, outcome: CloudMapPollOutcome) => void;
  /** A source another replica holds the lease of: this one skipped it. */
  onNotHeld?: (source: CloudMapSource) => void;
}

const DEFAULT_PERIOD_MS = 30_000;
const SOURCES_AT_ONCE = 8;

const prefixOf = (source: CloudMapSource) => `cloud-map/${source.cloudMapNamespace}/${source.service}/`;

/**
 * Keeps a mesh's workload registry in step with Cloud Map services: each poll of a source this
 * replica holds the lease of puts every instance (refreshing its expiry) and removes those gone
 * since. A source that fails to list keeps its entries until they expire, so a Cloud Map outage
 * does not empty services at once; the failure is recorded with the lease for the API and metrics.
 */
export class CloudMapPoller {
  /** Ids put at the last poll, per source this replica holds; a source taken over starts from the registry. */
  private readonly held = new Map<CloudMapSource, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: CloudMapPollerOptions) {}

  private get period(): number {
    return this.o.periodMs ?? DEFAULT_PERIOD_MS;
  }

  /** Polls now, then every period, until `stop`. */
  start(): void {
    if (this.timer) return;
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.period);
    this.timer.unref();
  }

  /** Stops polling and releases the leases held, so another replica takes the sources at its next poll. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.all(
      [...this.held.keys()].map((source) =>
        this.o.leases.release(this.ref(source), this.o.holder).catch((error: unknown) => this.o.onProblem?.({ source, error })),
      ),
    );
    this.held.clear();
  }

  /** One poll of every source; polls never overlap (a slow one is waited for, not doubled). */
  pollOnce(): Promise<void> {
    this.running ??= this.pollSources().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The sources whose lease this replica held at its last poll (tests and logs). */
  holding(): CloudMapSource[] {
    return [...this.held.keys()];
  }

  private ref(source: CloudMapSource): CloudMapSourceRef {
    return { tenantId: this.o.tenantId, mesh: this.o.mesh, cloudMapNamespace: source.cloudMapNamespace, service: source.service };
  }

  private async pollSources(): Promise<void> {
    // A few sources at a time: a cycle longer than a period would let the first sources' leases lapse before their renewal.
    for (let i = 0; i < this.o.sources.length; i += SOURCES_AT_ONCE) {
      await Promise.all(this.o.sources.slice(i, i + SOURCES_AT_ONCE).map((source) => this.pollHeld(source)));
    }
  }

  private async pollHeld(source: CloudMapSource): Promise<void> {
    let mine: boolean;
    try {
      mine = await this.o.leases.acquire(this.ref(source), this.o.holder, 2 * this.period);
    } catch (error) {
      // Without the lease store nobody can say who polls: skip, and let the entries age as with a failed poll.
      this.o.onProblem?.({ source, error });
      this.o.onPolled?.(source, { ok: false, error: `the lease could not be taken: ${messageOf(error)}` });
      return;
    }
    if (!mine) {
      this.held.delete(source);
      this.o.onNotHeld?.(source);
      return;
    }
    const outcome = await this.pollSource(source).catch((error: unknown): CloudMapPollOutcome => {
      this.o.onProblem?.({ source, error });
      return { ok: false, error: messageOf(error) };
    });
    this.o.onPolled?.(source, outcome);
    await this.o.leases.record(this.ref(source), this.o.holder, outcome).catch((error: unknown) => this.o.onProblem?.({ source, error }));
  }

  private async pollSource(source: CloudMapSource): Promise<CloudMapPollOutcome> {
    // Taken over (or first poll): what the last holder put is held now, so instances gone since leave at once.
    if (!this.held.has(source)) {
      const prefix = prefixOf(source);
      this.held.set(source, new Set((await this.o.registry.list(this.o.tenantId, this.o.mesh)).filter((w) => w.source === 'cloud-map' && w.id.startsWith(prefix)).map((w) => w.id)));
    }
    const instances = await this.o.lister.list(source.cloudMapNamespace, source.service);
    const { entries, skipped, filtered } = cloudMapEntries(source, instances, { tenantId: this.o.tenantId, mesh: this.o.mesh, replica: CLOUD_MAP_REPLICA, now: (this.o.now ?? (() => new Date()))(), ttlMs: 3 * this.period });
    if (skipped.length > 0) this.o.onProblem?.({ source, skipped });
    if (entries.length > 0) await this.o.registry.put(entries);
    const current = new Set(entries.map((e) => e.id));
    const gone = [...(this.held.get(source) ?? [])].filter((id) => !current.has(id));
    if (gone.length > 0) await this.o.registry.remove(this.o.tenantId, this.o.mesh, gone, CLOUD_MAP_REPLICA);
    this.held.set(source, current);
    return { ok: true, instances: entries.length, skipped: skipped.length, filtered };
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error));
