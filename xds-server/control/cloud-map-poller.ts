import { cloudMapEntries, type CloudMapInstanceLister, type CloudMapSource, type SkippedInstance } from '../../core/registry/cloud-map-entries.ts';
import type { WorkloadRegistry } from '../../core/registry/workload-registry.ts';

export interface CloudMapPollerOptions {
  registry: WorkloadRegistry;
  lister: CloudMapInstanceLister;
  tenantId: string;
  mesh: string;
  sources: readonly CloudMapSource[];
  /** Who holds the entries (`remove` only deletes what this replica put). */
  replica: string;
  /** Time between polls (default 30 s); entries live three periods, so a stopped poller's entries expire. */
  periodMs?: number;
  now?: () => Date;
  /** A source that could not be listed, or instances that could not be entries: the poll goes on. */
  onProblem?: (problem: { source: CloudMapSource; error?: unknown; skipped?: SkippedInstance[] }) => void;
}

const DEFAULT_PERIOD_MS = 30_000;

/**
 * Keeps a mesh's workload registry in step with Cloud Map services: each poll puts every
 * instance (refreshing its expiry) and removes those gone since the last poll. A source that
 * fails to list keeps its entries until they expire, so a Cloud Map outage does not empty services.
 */
export class CloudMapPoller {
  private readonly held = new Map<CloudMapSource, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: CloudMapPollerOptions) {}

  /** Polls now, then every period, until `stop`. */
  start(): void {
    if (this.timer) return;
    const period = this.o.periodMs ?? DEFAULT_PERIOD_MS;
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), period);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One poll of every source; polls never overlap (a slow one is waited for, not doubled). */
  pollOnce(): Promise<void> {
    this.running ??= this.pollSources().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pollSources(): Promise<void> {
    for (const source of this.o.sources) {
      try {
        await this.pollSource(source);
      } catch (error) {
        this.o.onProblem?.({ source, error });
      }
    }
  }

  private async pollSource(source: CloudMapSource): Promise<void> {
    const instances = await this.o.lister.list(source.cloudMapNamespace, source.service);
    const ttlMs = 3 * (this.o.periodMs ?? DEFAULT_PERIOD_MS);
    const { entries, skipped } = cloudMapEntries(source, instances, { tenantId: this.o.tenantId, mesh: this.o.mesh, replica: this.o.replica, now: (this.o.now ?? (() => new Date()))(), ttlMs });
    if (skipped.length > 0) this.o.onProblem?.({ source, skipped });
    if (entries.length > 0) await this.o.registry.put(entries);
    const current = new Set(entries.map((e) => e.id));
    const gone = [...(this.held.get(source) ?? [])].filter((id) => !current.has(id));
    if (gone.length > 0) await this.o.registry.remove(this.o.tenantId, this.o.mesh, gone, this.o.replica);
    this.held.set(source, current);
  }
}
