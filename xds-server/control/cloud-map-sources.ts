import type { Logger } from 'pino';
import type { ChangeBus, MeshChangeEvent, Subscription } from '../../core/bus/change-bus.ts';
import { CloudMapSettingsSchema, type CloudMapSettings } from '../../core/mesh/registry-sources.ts';
import type { CloudMapInstanceLister, CloudMapSource } from '../../core/registry/cloud-map-entries.ts';
import type { CloudMapPollOutcome, CloudMapSourceLeases } from '../../core/registry/cloud-map-source-status.ts';
import type { WorkloadRegistry } from '../../core/registry/workload-registry.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { CLOUD_MAP_REPLICA, CloudMapPoller } from './cloud-map-poller.ts';

/** What watches the polls this replica makes (Prometheus, CloudWatch). */
export interface CloudMapPollObserver {
  /** A poll of a source this replica holds the lease of. */
  polled(mesh: { tenantId: string; mesh: string }, source: CloudMapSource, outcome: CloudMapPollOutcome): void;
  /** This replica no longer polls the source (another holds it, the mesh dropped it, or the replica stops). */
  released(mesh: { tenantId: string; mesh: string }, source: CloudMapSource): void;
}

export interface CloudMapSourcesOptions {
  store: Pick<ConfigStore, 'listTenants' | 'listMeshes' | 'getMesh'>;
  bus: ChangeBus;
  registry: WorkloadRegistry;
  logger: Logger;
  /** Which replica polls each source (one per source across the fleet), and how its polls went. */
  leases: CloudMapSourceLeases;
  /** This xds-server's name in the leases. */
  replica: string;
  observer?: CloudMapPollObserver;
  /** A Cloud Map client for a mesh's access settings (region, tenant role). */
  listerFor(access: { tenantId: string; region?: string; roleArn?: string }): CloudMapInstanceLister;
  /** How often every mesh's settings are read again, so a lost change event only delays a poller (default 60 s). */
  rescanIntervalMs?: number;
  /** Overrides every mesh's `periodSeconds` (tests). */
  periodMs?: number;
  now?: () => Date;
}

interface Running {
  fingerprint: string;
  poller: CloudMapPoller;
  sources: readonly CloudMapSource[];
}

const DEFAULT_RESCAN_MS = 60_000;
const PAGE = 100;

/**
 * Runs a CloudMapPoller for every mesh whose settings name Cloud Map sources
 * (`registrySources.cloudMap`): started when the mesh is created or its settings change, stopped
 * (and its entries removed) when the sources go or the mesh is deleted.
 */
export class CloudMapSources {
  private readonly running = new Map<string, Running>();
  private readonly syncs = new Map<string, Promise<void>>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly o: CloudMapSourcesOptions) {
    this.log = o.logger.child({ component: 'cloud-map-sources' });
  }

  async start(): Promise<void> {
    this.subscription = await this.o.bus.subscribe((event) => this.onEvent(event));
    await this.rescan();
    this.timer = setInterval(() => void this.rescan(), this.o.rescanIntervalMs ?? DEFAULT_RESCAN_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.subscription?.close();
    await Promise.all([...this.syncs.values()]);
    // Entries stay: the leases are released, so another replica takes the sources over before they expire.
    await Promise.all([...this.running.entries()].map(([key, r]) => this.stopPoller(key, r)));
    this.running.clear();
  }

  /** The meshes with a running poller, as `tenant/mesh` (for tests and logs). */
  meshes(): string[] {
    return [...this.running.keys()].sort();
  }

  private onEvent(event: MeshChangeEvent): Promise<void> | undefined {
    if (event.reason !== 'mesh-updated' && event.reason !== 'mesh-deleted') return undefined;
    return this.sync(event.tenantId, event.mesh);
  }

  private async rescan(): Promise<void> {
    try {
      const seen = new Set<string>();
      let tenantCursor: string | undefined;
      do {
        const tenants = await this.o.store.listTenants({ limit: PAGE, ...(tenantCursor ? { cursor: tenantCursor } : {}) });
        for (const tenant of tenants.items) {
          let meshCursor: string | undefined;
          do {
            const meshes = await this.o.store.listMeshes(tenant.id, { limit: PAGE, ...(meshCursor ? { cursor: meshCursor } : {}) });
            for (const m of meshes.items) {
              seen.add(`${tenant.id}/${m.name}`);
              await this.sync(tenant.id, m.name);
            }
            meshCursor = meshes.nextCursor;
          } while (meshCursor);
        }
        tenantCursor = tenants.nextCursor;
      } while (tenantCursor);
      for (const key of this.running.keys()) {
        const [tenantId, mesh] = key.split('/') as [string, string];
        if (!seen.has(key)) await this.sync(tenantId, mesh);
      }
    } catch (err) {
      this.log.warn({ err }, 'could not read the meshes for Cloud Map sources; will retry');
    }
  }

  /** Brings one mesh's poller in line with its settings; syncs of one mesh never overlap. */
  private sync(tenantId: string, mesh: string): Promise<void> {
    const key = `${tenantId}/${mesh}`;
    const previous = this.syncs.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.syncNow(tenantId, mesh, key)).catch((err: unknown) => this.log.warn({ err, mesh: key }, 'could not update the Cloud Map sources of a mesh; will retry'));
    this.syncs.set(key, next);
    void next.finally(() => {
      if (this.syncs.get(key) === next) this.syncs.delete(key);
    });
    return next;
  }

  private async syncNow(tenantId: string, mesh: string, key: string): Promise<void> {
    if (this.stopped) return;
    const record = await this.o.store.getMesh(tenantId, mesh);
    const raw = (record?.settings.registrySources as { cloudMap?: unknown } | undefined)?.cloudMap;
    let settings: CloudMapSettings | undefined;
    if (raw !== undefined) {
      const parsed = CloudMapSettingsSchema.safeParse(raw);
      if (parsed.success) settings = parsed.data;
      else this.log.warn({ mesh: key, issues: parsed.error.issues }, 'the mesh names Cloud Map sources Trellis cannot read; none is polled');
    }
    const fingerprint = settings ? JSON.stringify(settings) : '';
    const current = this.running.get(key);
    if (current?.fingerprint === fingerprint) return;
    if (current) {
      this.running.delete(key);
      await this.stopPoller(key, current);
      const kept = new Set((settings?.sources ?? []).map((s) => `${s.cloudMapNamespace}/${s.service}`));
      await this.o.leases.forget(tenantId, mesh, current.sources.filter((s) => !kept.has(`${s.cloudMapNamespace}/${s.service}`)));
    }
    if (!settings) {
      if (current && record) await this.removeEntries(tenantId, mesh, new Set());
      return;
    }
    const poller = new CloudMapPoller({
      registry: this.announcing(tenantId, mesh, record!.revision),
      lister: this.o.listerFor({ tenantId, ...(settings.region ? { region: settings.region } : {}), ...(settings.roleArn ? { roleArn: settings.roleArn } : {}) }),
      tenantId,
      mesh,
      sources: settings.sources,
      leases: this.o.leases,
      holder: this.o.replica,
      periodMs: this.o.periodMs ?? (settings.periodSeconds ?? 30) * 1000,
      ...(this.o.now ? { now: this.o.now } : {}),
      onProblem: ({ source, error, skipped }) =>
        this.log.warn({ mesh: key, cloudMap: `${source.cloudMapNamespace}/${source.service}`, ...(error ? { err: error } : {}), ...(skipped ? { skipped } : {}) }, error ? 'Cloud Map source could not be read; its workloads stay until they expire' : 'Cloud Map instances skipped'),
      ...(this.o.observer ? { onPolled: (source: CloudMapSource, outcome: CloudMapPollOutcome) => this.o.observer!.polled({ tenantId, mesh }, source, outcome), onNotHeld: (source: CloudMapSource) => this.o.observer!.released({ tenantId, mesh }, source) } : {}),
    });
    this.running.set(key, { fingerprint, poller, sources: settings.sources });
    poller.start();
    // The new poller's first poll replaces the old one's entries (no gap); those of services the settings dropped go.
    if (current) {
      await poller.pollOnce();
      await this.removeEntries(tenantId, mesh, new Set(settings.sources.map((s) => `cloud-map/${s.cloudMapNamespace}/${s.service}/`)));
    }
    this.log.info({ mesh: key, sources: settings.sources.map((s) => `${s.cloudMapNamespace}/${s.service}`) }, 'polling Cloud Map sources');
  }

  /**
   * The registry as one mesh's poller writes it: a put that changes the mesh's Cloud Map endpoints,
   * or a removal, is announced on the bus (as registered proxies are), so sidecars get them now
   * rather than at the next reconciliation.
   */
  private announcing(tenantId: string, mesh: string, revision: number): WorkloadRegistry {
    const { registry, bus } = this.o;
    // Per Cloud Map service (ids are cloud-map/<namespace>/<service>/<instance>): what its last put held.
    const last = new Map<string, string>();
    const announce = () => bus.publish({ tenantId, mesh, revision, reason: 'workloads', at: (this.o.now?.() ?? new Date()).toISOString() });
    return {
      put: async (entries) => {
        await registry.put(entries);
        const service = entries[0]?.id.split('/').slice(0, 3).join('/') ?? '';
        const digest = JSON.stringify(entries.map((e) => [e.id, e.address, e.ports, e.labels]));
        if (digest !== last.get(service)) await announce();
        last.set(service, digest);
      },
      remove: async (t, m, ids, replica) => {
        await registry.remove(t, m, ids, replica);
        last.clear();
        await announce();
      },
      list: (t, m) => registry.list(t, m),
      removeMesh: (t, m) => registry.removeMesh(t, m),
      close: () => Promise.resolve(),
    };
  }

  private async stopPoller(key: string, running: Running): Promise<void> {
    await running.poller.stop();
    const [tenantId, mesh] = key.split('/') as [string, string];
    for (const source of running.sources) this.o.observer?.released({ tenantId, mesh }, source);
  }

  /** Cloud Map entries of services other than `kept` (id prefixes), whichever replica polled them. */
  private async removeEntries(tenantId: string, mesh: string, kept: ReadonlySet<string>): Promise<void> {
    const prefixOf = (id: string) => `${id.split('/').slice(0, 3).join('/')}/`;
    const dropped = (await this.o.registry.list(tenantId, mesh)).filter((w) => w.source === 'cloud-map' && w.replica === CLOUD_MAP_REPLICA && !kept.has(prefixOf(w.id)));
    if (dropped.length > 0) await this.o.registry.remove(tenantId, mesh, dropped.map((w) => w.id), CLOUD_MAP_REPLICA);
  }
}
