import type { Logger } from 'pino';
import type { ChangeBus, MeshChangeEvent, Subscription } from '../../core/bus/change-bus.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import type { ProxyStatus, ProxyStatusSource, XdsTypeName } from '../../core/proxies/proxy-status.ts';
import type { ConvergenceSource, RevisionConvergence } from '../../core/proxies/convergence.ts';
import type { ControlPlaneMetrics } from '../metrics/xds-metrics.ts';
import { RevisionFeedback, type StreamContext } from './revision-feedback.ts';
import type { ProxyConfig, ProxyConfigType } from '../../core/proxies/proxy-config.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import type { ResourceCache, ResourceInput } from '../cache/index.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL, SECRET_TYPE_URL, type XdsTypeUrl } from '../protos/index.ts';
import type { AckEvent, AdsServer, DisconnectEvent, NackEvent, SendEvent, PeerInfo, ProxyIdentity, StreamInfo, XdsNode, XdsServerHooks } from '../server/index.ts';
import { buildMeshIndex, inboundInputsKey, inboundKey, proxyGroupKey, translateGateway, translateGrpcClient, translateSidecarInbound, translateSidecarShared, type Named, type ProxyDescriptor, type TranslationResult } from '../translate/index.ts';
import type { CredentialStore } from '../../core/credentials/index.ts';
import type { RegisteredWorkload, WorkloadRegistry } from '../../core/registry/index.ts';
import type { FleetStatusStore } from '../../core/fleet/index.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import { WorkloadRegistrar } from './workload-registrar.ts';
import { workloadInstances } from './workload-instances.ts';
import { withRegistryServices } from './registry-services.ts';
import { trustDomainOf } from '../translate/security/trust-domain.ts';
import { Debouncer, type DebounceOptions } from './debouncer.ts';
import { meshKey, scopeKey, type GroupEntry, type MeshRuntime, type ScopeEntry } from './mesh-runtime.ts';
import { describeNode, type ConnectingProxy } from './node-identity.ts';
import { describeVerifiedNode, type TrustDomainResolver } from './verified-node.ts';
import { proxyConfigOf } from './proxy-config.ts';
import { previewChange } from './config-previewer.ts';
import type { ConfigPreview } from '../../core/proxies/config-preview.ts';

/** Distinct translation issues remembered per mesh revision before logging them again. */
const MAX_LOGGED_ISSUES = 10_000;

export interface ControlPlaneOptions {
  store: ConfigStore;
  bus: ChangeBus;
  cache: ResourceCache;
  logger: Logger;
  debounce?: Partial<DebounceOptions>;
  /** How often loaded meshes are compared with the store, so a lost change event only delays a push. */
  reconcileIntervalMs?: number;
  /** How long a disconnected sidecar stays registered (it may be reconnecting). */
  registrationGraceMs?: number;
  /** Connected workloads (live state); in memory unless given (AWS: DynamoDB, shared by the fleet). */
  registry?: WorkloadRegistry;
  /** This replica's name in registry entries (it refreshes and removes only its own). */
  replicaId?: string;
  /** How long a registry entry counts without a refresh (default 60 s): a crashed replica's workloads go after it. */
  registrationTtlMs?: number;
  now?: () => Date;
  /** With mTLS: identity comes from the client certificate's SPIFFE ID, owned by this tenant mesh. */
  verifiedIdentity?: { owners: TrustDomainResolver };
  metrics?: ControlPlaneMetrics;
  /** NACK protection: how long to wait for more proxies' answers before deciding (default 2 s). */
  nackDecisionDelayMs?: number;
  /** Every replica's proxy status (fleet): NACK protection decides over the whole fleet with it. */
  fleetStatus?: Pick<FleetStatusStore, 'list'>;
  /** Uploaded gateway credentials; without it Gateway servers naming a credentialName are not served. */
  gatewayCredentials?: Pick<CredentialStore, 'materials'>;
}

const TYPE_NAMES: Record<XdsTypeUrl, XdsTypeName> = {
  [CLUSTER_TYPE_URL]: 'cds',
  [ENDPOINT_TYPE_URL]: 'eds',
  [LISTENER_TYPE_URL]: 'lds',
  [ROUTE_TYPE_URL]: 'rds',
  [VIRTUAL_HOST_TYPE_URL]: 'rds',
  [SECRET_TYPE_URL]: 'sds',
};

const byName = (items: Named[]) => new Map(items.map((n) => [n.name, n.resource]));

/** Whether a group's scopes are layered on a shared base (sidecars with an inbound side), not served the group scope itself. */
const layeredGroup = (d: ProxyDescriptor) => d.kind === 'sidecar' && d.inbound !== undefined;

/** How long publishing a mesh runs before it lets the event loop serve other streams. */
const TURN_BUDGET_MS = 5;

/** Translations of a new group encoded ahead at most before it is published regardless (reloads could keep bringing new content). */
const ENCODE_AHEAD_TRANSLATIONS = 5;

/** The mesh's base that holds this very result, leaving out those in `taken`; undefined when none does. */
function baseHolding(runtime: MeshRuntime, result: TranslationResult, taken: ReadonlyMap<string, unknown> = new Map()): string | undefined {
  for (const [name, held] of runtime.bases) if (held.result === result && !taken.has(name)) return name;
  return undefined;
}

/** The cache input of a translation, built once per result: groups sharing a result hand the cache the same maps. */
const snapshots = new WeakMap<TranslationResult, ReadonlyMap<XdsTypeUrl, ResourceInput>>();
function snapshotOf(result: TranslationResult): ReadonlyMap<XdsTypeUrl, ResourceInput> {
  let snapshot = snapshots.get(result);
  if (!snapshot) {
    snapshot = new Map([
      [CLUSTER_TYPE_URL, byName(result.clusters)],
      [ENDPOINT_TYPE_URL, byName(result.endpoints)],
      [LISTENER_TYPE_URL, byName(result.listeners)],
      [ROUTE_TYPE_URL, byName(result.routes)],
      ...(result.secrets ? [[SECRET_TYPE_URL, byName(result.secrets)] as const] : []),
    ]);
    snapshots.set(result, snapshot);
  }
  return snapshot;
}

/**
 * Connects the store to the xDS server: loads and indexes each mesh that has proxies here (its
 * config and its registered workloads), translates per proxy group into the cache (which pushes
 * only what changed), follows change events (debounced) and reconciles periodically. Connected
 * sidecars are kept in the workload registry by the WorkloadRegistrar, never as config.
 */
export class ControlPlane implements ProxyStatusSource, ConvergenceSource {
  private readonly meshes = new Map<string, MeshRuntime>();
  private readonly loading = new Map<string, Promise<MeshRuntime | undefined>>();
  private readonly reloads = new Map<string, { running: Promise<void>; again: boolean }>();
  private readonly connecting = new Map<string, ConnectingProxy & { scope: string; nodeId: string }>();
  private readonly streams = new Map<string, { proxyId: string; scope: string; meshKey: string; registrationKey?: string }>();
  private readonly streamsPerProxy = new Map<string, number>();
  private readonly registry: WorkloadRegistry;
  private readonly registrar: WorkloadRegistrar;
  private readonly debouncer: Debouncer;
  private readonly log: Logger;
  private ads: AdsServer | undefined;
  private subscription: Subscription | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly feedback: RevisionFeedback;
  /** Translation issues already logged, per mesh, for its current revision (groups sharing a translation report the same ones). */
  private readonly loggedIssues = new Map<string, { revision: number; seen: Set<string> }>();
  private baseCount = 0;
  /** Each group's translation for a mesh runtime (one index, one set of gateway credentials). */
  private readonly groupResults = new WeakMap<MeshRuntime, Map<string, TranslationResult>>();
  /** Meshes whose next reload must read and translate them whatever their registrations say. */
  private readonly fullReloads = new Set<string>();

  constructor(private readonly options: ControlPlaneOptions) {
    this.log = options.logger.child({ component: 'control-plane' });
    this.feedback = new RevisionFeedback({
      ...options,
      streamContext: (streamId) => this.streamContext(streamId),
      streamsOf: (tenantId, mesh) => [...this.streams].filter(([, s]) => s.meshKey === meshKey(tenantId, mesh)).map(([streamId, s]) => ({ streamId, proxyId: s.proxyId })),
      announce: (tenantId, mesh, revision) => this.announce(tenantId, mesh, revision),
    });
    const now = options.now ?? (() => new Date());
    this.registry = options.registry ?? new InMemoryWorkloadRegistry({ now });
    this.registrar = new WorkloadRegistrar({
      registry: this.registry,
      replica: options.replicaId ?? 'local',
      logger: options.logger,
      now,
      ttlMs: options.registrationTtlMs ?? 60_000,
      graceMs: options.registrationGraceMs ?? 10_000,
      announce: (tenantId, mesh) => this.announceWorkloads(tenantId, mesh),
      ...(options.metrics ? { onRefused: () => options.metrics?.registrationRefused() } : {}),
    });
    this.debouncer = new Debouncer({ quietMs: options.debounce?.quietMs ?? 100, maxDelayMs: options.debounce?.maxDelayMs ?? 1000 }, (key) => void this.reload(key));
  }

  /** The server whose streams this control plane reports on (set once it exists). */
  attach(ads: AdsServer): void {
    this.ads = ads;
    this.feedback.attach(ads);
  }

  async start(): Promise<void> {
    this.subscription = await this.options.bus.subscribe((event) => this.onChange(event));
    const interval = this.options.reconcileIntervalMs ?? 30_000;
    this.reconcileTimer = setInterval(() => void this.reconcile(), interval);
    this.reconcileTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.feedback.stop();
    clearInterval(this.reconcileTimer);
    this.debouncer.cancelAll();
    await this.subscription?.close();
    // While the streams are still open: their proxies' entries outlast their reconnecting elsewhere.
    await this.registrar.handOver();
    this.registrar.stop();
    await Promise.allSettled([...this.reloads.values()].map((r) => r.running));
  }

  /**
   * Runs `work` in a turn of the ADS server's request slices (in a later turn of the loop when
   * there is no server); with `first`, ahead of waiting requests. Loading and reloading a mesh go
   * first: a reload is what every stream of the mesh waits for, and behind a storm's backlog of
   * requests one needing a few turns took over a second (a config change made in a reconnect
   * storm waited as long). A connecting proxy's publish does not go first: thousands of them
   * ahead of every ACK slowed the warm-up of the streams already connected (5,000 sidecars all
   * warm after 48–51 s, against 44 s with only reloads first; 32–33 s with nothing first, when
   * registrations reached the proxies up to 18 s after they were warm).
   */
  private inTurn<T>(work: () => T, first = false): Promise<T> {
    if (this.ads) return this.ads.inTurn(work, first);
    return new Promise<T>((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(work());
        } catch (err) {
          reject(err);
        }
      }),
    );
  }

  /** For the AdsServer: who is connecting and which scope it gets. */
  readonly resolveNode = async (node: XdsNode, peer: PeerInfo): Promise<ProxyIdentity | Error> => {
    const verified = this.options.verifiedIdentity;
    const described = verified ? await describeVerifiedNode(node, peer, verified.owners) : describeNode(node);
    if (!described.ok) return new Error(`invalid node metadata: ${described.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    const proxy = described.value;
    const loaded = await this.loadMesh(proxy.tenantId, proxy.mesh);
    if (!loaded) return new Error(`mesh ${proxy.mesh} does not exist`);
    const group = scopeKey(proxy.tenantId, proxy.mesh, proxyGroupKey(proxy.descriptor));
    const inbound = inboundKey(proxy.descriptor);
    const scope = inbound ? `${group}|${inbound}` : group;
    // Published before the stream starts; counted once it does (onConnect), so a stream that
    // ends while being resolved leaves nothing counted. Publishing translates the proxy's group
    // (the whole mesh, for the first proxy of a cold one), so it waits for a turn: every proxy of a
    // mesh that connected while it loaded resumes here at once, and publishing all their groups in
    // that one microtask drain held the event loop for 0.3 s per mesh in a 1,000-sidecar storm.
    // By its turn a reload may have replaced the mesh's runtime, or dropped it.
    const key = meshKey(proxy.tenantId, proxy.mesh);
    // A new group's config is encoded in turns before it is published (see encodedWithin); each turn
    // takes the group's translation afresh, as a reload meanwhile may have brought new content.
    // Turns on one translation always make progress; only if reloads keep bringing new ones is the
    // group published regardless, encoding the rest in that turn.
    let published: boolean | undefined;
    let translation: TranslationResult | undefined;
    let translations = 0;
    while (published === undefined) {
      published = await this.inTurn(() => {
        const runtime = this.meshes.get(key);
        if (!runtime) return false;
        const fresh = this.newGroupResult(key, scope, proxy.descriptor);
        if (fresh && fresh !== translation) {
          translation = fresh;
          translations++;
        }
        if (fresh && translations <= ENCODE_AHEAD_TRANSLATIONS && !this.encodedWithin(fresh)) return undefined;
        this.ensureScope(runtime, scope, proxy.descriptor);
        return true;
      });
    }
    if (!published) {
      const runtime = await this.loadMesh(proxy.tenantId, proxy.mesh);
      if (!runtime) return new Error(`mesh ${proxy.mesh} does not exist`);
      this.ensureScope(runtime, scope, proxy.descriptor);
    }
    const proxyId = this.proxyIdFor(node.id, proxy);
    this.connecting.set(proxyId, { ...proxy, scope, nodeId: node.id });
    return { proxyId, scope };
  };

  /**
   * The translation of a proxy's group when the group is new here (its config not yet published),
   * else undefined. The first proxy of a mesh brings the whole mesh to encode: tens of milliseconds
   * per mesh, hundreds when the first proxies of many meshes connect together.
   */
  private newGroupResult(key: string, scope: string, descriptor: ProxyDescriptor): TranslationResult | undefined {
    const runtime = this.meshes.get(key);
    if (!runtime || runtime.scopes.has(scope)) return undefined;
    const group = scopeKey(runtime.tenantId, runtime.mesh, proxyGroupKey(descriptor));
    return runtime.groups.has(group) ? undefined : this.translateGroup(runtime, group, descriptor);
  }

  /**
   * The node id, unless (with mTLS) another identity already uses it: then the id is qualified by
   * the certificate's SPIFFE ID, so no proxy can take over another's status or registration by its id.
   */
  private proxyIdFor(nodeId: string, proxy: ConnectingProxy): string {
    const spiffeId = proxy.certificate?.spiffeId;
    const holder = this.connecting.get(nodeId);
    if (!spiffeId || !holder || holder.certificate?.spiffeId === spiffeId) return nodeId;
    return `${nodeId}@${spiffeId}`;
  }

  /** For the AdsServer: stream lifecycle. */
  readonly hooks: XdsServerHooks = {
    onConnect: (e: StreamInfo) => this.onConnect(e),
    onDisconnect: (e: DisconnectEvent) => this.onDisconnect(e),
    onNack: (e: NackEvent) => this.feedback.onNack(e),
    onSend: (e: SendEvent) => this.feedback.onSend(e),
    onAck: (e: AckEvent) => this.feedback.onAck(e),
  };

  async convergence(tenantId: string, mesh: string, revisions: readonly number[]): Promise<Map<number, RevisionConvergence>> {
    return this.feedback.convergence(tenantId, mesh, revisions);
  }

  private streamContext(streamId: string): StreamContext | undefined {
    const stream = this.streams.get(streamId);
    const runtime = stream ? this.meshes.get(stream.meshKey) : undefined;
    const scope = stream ? runtime?.scopes.get(stream.scope) : undefined;
    if (!stream || !runtime || !scope) return undefined;
    return { tenantId: runtime.tenantId, mesh: runtime.mesh, proxyId: stream.proxyId, revision: scope.revision };
  }

  async preview(tenantId: string, mesh: string, after: readonly IstioResource[]): Promise<ConfigPreview> {
    return previewChange(this.meshes.get(meshKey(tenantId, mesh)), after);
  }

  async list(tenantId: string, mesh: string): Promise<ProxyStatus[]> {
    const prefix = `${meshKey(tenantId, mesh)}/`;
    const runtime = this.meshes.get(meshKey(tenantId, mesh));
    return (this.ads?.proxyStatus() ?? [])
      .filter((s) => s.scope.startsWith(prefix))
      .map((s) => {
        const proxy = this.connecting.get(s.proxyId);
        const types: ProxyStatus['types'] = {};
        for (const t of s.types) {
          const nacked = t.lastNack !== undefined && t.lastNack.version === t.versionSent;
          types[TYPE_NAMES[t.typeUrl]] = {
            ...(t.versionSent ? { sent: t.versionSent } : {}),
            ...(t.versionAcked ? { acked: t.versionAcked } : {}),
            ...(t.lastNack ? { lastNack: { version: t.lastNack.version, message: t.lastNack.message, at: t.lastNack.at } } : {}),
            state: nacked ? 'NACKED' : t.versionAcked === t.versionSent ? 'SYNCED' : 'STALE',
          };
        }
        return {
          proxyId: s.proxyId,
          tenantId,
          mesh,
          protocol: s.protocol,
          replica: this.options.replicaId ?? 'local',
          connectedAt: s.connectedSince,
          ...(proxy ? { namespace: proxy.descriptor.namespace, serviceAccount: proxy.descriptor.serviceAccount, workload: proxy.descriptor.workload } : {}),
          ...(proxy?.address ? { address: proxy.address } : {}),
          ...(proxy?.certificate ? { certificate: proxy.certificate } : {}),
          ...(runtime?.scopes.get(s.scope) ? { revision: runtime.scopes.get(s.scope)!.revision } : {}),
          types,
          ...this.registrationOf(s.proxyId),
        };
      });
  }

  private registrationOf(proxyId: string): Pick<ProxyStatus, 'registration'> {
    const refused = this.registrar.refusal(proxyId);
    if (refused) return { registration: { state: 'refused', reason: refused } };
    if (!this.registrar.isRegistered(proxyId)) return {};
    const proxy = this.connecting.get(proxyId);
    const group = proxy?.metadata.AUTO_REGISTER_GROUP;
    return { registration: { state: 'registered', ...(group ? { group: `${proxy.descriptor.namespace}/${group}` } : {}) } };
  }

  /** What one connected proxy's group is served now, decoded (for `trellis proxy-config`). */
  async config(tenantId: string, mesh: string, proxyId: string, types: readonly ProxyConfigType[]): Promise<ProxyConfig | undefined> {
    const prefix = `${meshKey(tenantId, mesh)}/`;
    const status = (this.ads?.proxyStatus() ?? []).find((s) => s.proxyId === proxyId && s.scope.startsWith(prefix));
    if (!status) return undefined;
    const revision = this.meshes.get(meshKey(tenantId, mesh))?.scopes.get(status.scope)?.revision;
    return { proxyId, ...(revision !== undefined ? { revision } : {}), types: proxyConfigOf(this.options.cache, status, types) };
  }

  private onChange(event: MeshChangeEvent): void {
    const key = meshKey(event.tenantId, event.mesh);
    const runtime = this.meshes.get(key);
    // Only meshes with proxies here matter; a duplicate or stale event is harmless (reload compares revisions).
    if (!runtime) return;
    if (event.reason === 'workloads') {
      this.debouncer.trigger(key);
      return;
    }
    if (event.reason !== 'mesh-deleted' && event.reason !== 'mesh-updated' && event.revision <= runtime.revision) return;
    this.reloadInFull(key);
  }

  /** Reloads the mesh whatever its registrations (its config, settings or credentials may have changed). */
  private reloadInFull(key: string): void {
    this.fullReloads.add(key);
    this.debouncer.trigger(key);
  }

  private async reconcile(): Promise<void> {
    for (const [key, runtime] of this.meshes) {
      // Scopes no stream took up (it ended while being resolved) stop being translated.
      for (const [scope, entry] of runtime.scopes) if (entry.streams <= 0) this.dropScope(runtime, scope);
      try {
        const mesh = await this.options.store.getMesh(runtime.tenantId, runtime.mesh);
        if (!mesh || mesh.revision !== runtime.revision || mesh.version !== runtime.settingsVersion) this.reloadInFull(key);
        // Entries of a crashed replica expire without an event: the list tells.
        else if (workloadsDigest(await this.registry.list(runtime.tenantId, runtime.mesh)) !== workloadsDigest(runtime.workloads)) this.debouncer.trigger(key);
      } catch (err) {
        this.log.warn({ err, mesh: key }, 'reconciliation check failed; will retry');
      }
    }
  }

  private loadMesh(tenantId: string, mesh: string): Promise<MeshRuntime | undefined> {
    const key = meshKey(tenantId, mesh);
    const loaded = this.meshes.get(key);
    if (loaded) return Promise.resolve(loaded);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.readMesh(tenantId, mesh, undefined).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /**
   * Reads the mesh at head and indexes it; undefined when it does not exist. With `workloadsOnly`
   * (only registrations were announced), `previous` itself when nothing translation reads changed.
   */
  private async readMesh(tenantId: string, mesh: string, previous: MeshRuntime | undefined, workloadsOnly = false): Promise<MeshRuntime | undefined> {
    const record = await this.options.store.getMesh(tenantId, mesh);
    if (!record) return undefined;
    let snapshot: { revision: number; resources: readonly IstioResource[] };
    try {
      // A change of registered workloads alone re-reads only the registry.
      snapshot = previous && previous.revision === record.revision ? previous : await this.options.store.snapshot(tenantId, mesh);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    const workloads = await this.registry.list(tenantId, mesh);
    // A sidecar that reconnected (to this replica or another) is written again with a new `since`
    // and holder: re-indexing and re-translating the mesh for it would publish the same config.
    // After a replica's restart every sidecar of it does so, each announced to every replica.
    // In a turn of its own: after a replica's restart every mesh's reload comes here at once.
    if (previous && workloadsOnly && record.revision === previous.revision && record.version === previous.settingsVersion && (await this.inTurn(() => workloadsDigest(workloads) === workloadsDigest(previous.workloads), true))) return previous;
    let indexMs = 0;
    // Indexing a mesh of many workloads takes milliseconds: a turn of its own, not the tail of the reads' continuations.
    const index = await this.inTurn(() => {
      const started = performance.now();
      const trustDomain = trustDomainOf({ tenantId, mesh, settings: record.settings });
      const resources = withRegistryServices(snapshot.resources, workloads);
      const built = buildMeshIndex({
        tenantId,
        mesh,
        revision: snapshot.revision,
        settings: record.settings,
        resources,
        workloads: workloadInstances(workloads, resources, trustDomain),
        ...(previous ? { previous: previous.index } : {}),
      });
      indexMs = performance.now() - started;
      return built;
    }, true);
    for (const issue of index.issues) this.log.warn({ mesh, revision: snapshot.revision, ...issue }, 'config not translated');
    this.log.debug({ mesh, revision: snapshot.revision, resources: snapshot.resources.length, ms: indexMs }, 'mesh indexed');
    const runtime: MeshRuntime = {
      tenantId,
      mesh,
      revision: snapshot.revision,
      settingsVersion: record.version,
      resources: snapshot.resources,
      workloads,
      index,
      scopes: previous?.scopes ?? new Map(),
      groups: previous?.groups ?? new Map(),
      bases: previous?.bases ?? new Map(),
      credentials: await this.loadCredentials(tenantId, mesh, index.gateways.length > 0, previous),
    };
    this.meshes.set(meshKey(tenantId, mesh), runtime);
    return runtime;
  }

  /** Uploaded gateway credentials, only when the mesh has Gateways; on a read failure the last ones stay served. */
  private async loadCredentials(tenantId: string, mesh: string, hasGateways: boolean, previous: MeshRuntime | undefined): Promise<MeshRuntime['credentials']> {
    if (!hasGateways || !this.options.gatewayCredentials) return new Map();
    try {
      return await this.options.gatewayCredentials.materials(tenantId, mesh);
    } catch (err) {
      this.log.error({ err, mesh }, 'gateway credentials not readable; keeping the last ones');
      return previous?.credentials ?? new Map();
    }
  }

  /** Re-reads one mesh and republishes every scope of it; runs serially per mesh. */
  private reload(key: string): Promise<void> {
    const current = this.reloads.get(key);
    if (current) {
      current.again = true;
      return current.running;
    }
    const state = { again: false, running: Promise.resolve() };
    state.running = (async () => {
      do {
        state.again = false;
        await this.reloadOnce(key).catch((err: unknown) => this.log.error({ err, mesh: key }, 'mesh reload failed; reconciliation will retry'));
      } while (state.again && !this.stopped);
      this.reloads.delete(key);
    })();
    this.reloads.set(key, state);
    return state.running;
  }

  private async reloadOnce(key: string): Promise<void> {
    const full = this.fullReloads.delete(key);
    const previous = this.meshes.get(key);
    if (!previous || this.stopped) return;
    let runtime: MeshRuntime | undefined;
    try {
      runtime = await this.readMesh(previous.tenantId, previous.mesh, previous, !full);
    } catch (err) {
      // Whatever triggers the next reload (reconciliation at the latest), it is in full again.
      if (full) this.fullReloads.add(key);
      throw err;
    }
    if (runtime === previous) return;
    if (!runtime) {
      this.log.info({ mesh: key }, 'mesh deleted; its proxies get no config');
      this.meshes.delete(key);
      this.loggedIssues.delete(key);
      for (const scope of previous.scopes.keys()) this.options.cache.removeScope(scope);
      for (const [group, entry] of previous.groups) if (entry.base === undefined) this.options.cache.removeScope(group);
      for (const base of previous.bases.keys()) this.options.cache.removeScope(base);
      return;
    }
    await this.publishAll(runtime);
    if (runtime.revision !== previous.revision) {
      void this.feedback.published(runtime.tenantId, runtime.mesh, runtime.revision);
      await this.registrar.reevaluate(runtime.tenantId, runtime.mesh, runtime.resources);
    }
  }

  /**
   * Publishes every group of the mesh and the scopes layered on it, in turns of the ADS server's
   * request slices (each at most about `TURN_BUDGET_MS` of work, or one base), so other meshes'
   * streams are served in between instead of waiting for the whole mesh. Every group is translated
   * first (groups of one class share a result: mostly memo hits), then each result's resources not
   * encoded yet are encoded over as many turns as they take, and only then is it published, in one
   * short step. Groups of layered scopes are grouped by the result they got (the very object: the
   * translation memo hands equal groups one result) and published one shared base per turn, each
   * base's proxies pushed as soon as it is. A base is updated in place only when all the groups on
   * it still share one result; a result its groups split off from gets a new base, and the groups
   * move onto it. So no proxy is ever shown a result that is not its own.
   */
  private async publishAll(runtime: MeshRuntime): Promise<void> {
    const current = () => this.meshes.get(meshKey(runtime.tenantId, runtime.mesh)) === runtime && !this.stopped;
    const results = new Map<string, TranslationResult>();
    const groups = [...runtime.groups];
    for (let i = 0; i < groups.length; ) {
      // A newer reload of the mesh took over while this one waited its turn.
      if (!current()) return;
      i = await this.inTurn(() => {
        const started = performance.now();
        for (; i < groups.length && performance.now() - started < TURN_BUDGET_MS; i++) {
          const [group, entry] = groups[i]!;
          if (runtime.groups.get(group) === entry) results.set(group, this.translateGroup(runtime, group, entry.descriptor));
        }
        return i;
      }, true);
    }
    // Groups that are their own scope (gateways, proxyless clients, sidecars without an inbound side).
    for (const [group, entry] of groups) {
      const result = results.get(group);
      if (layeredGroup(entry.descriptor) || !result) continue;
      await this.publishEncoded(result, () => {
        if (current() && runtime.groups.get(group) === entry) this.publishGroup(runtime, group);
      });
    }
    if (!current()) return;
    const plan = await this.inTurn(() => {
      // Groups taken up while the others were translated are translated now (the memo mostly answers).
      const byResult = new Map<TranslationResult, string[]>();
      for (const [group, entry] of runtime.groups) {
        if (!layeredGroup(entry.descriptor)) continue;
        const result = results.get(group) ?? this.translateGroup(runtime, group, entry.descriptor);
        const members = byResult.get(result);
        if (members) members.push(group);
        else byResult.set(result, [group]);
      }
      return { byResult, bases: this.planBases(runtime, byResult) };
    }, true);
    for (const [base, result] of plan.bases) {
      await this.publishEncoded(result, () => {
        if (current()) this.publishBase(runtime, base, result, plan.byResult.get(result) ?? []);
      });
    }
  }

  /** Runs `publish` in a turn once `result` is encoded (see encodedWithin), encoding it over as many turns as that takes. */
  private async publishEncoded(result: TranslationResult, publish: () => void): Promise<void> {
    let done = false;
    while (!done && !this.stopped) {
      done = await this.inTurn(() => {
        if (!this.encodedWithin(result)) return false;
        publish();
        return true;
      }, true);
    }
  }

  /**
   * Encodes the resources of `result` that the cache has not encoded yet for up to a turn's budget;
   * whether all are encoded now, so that publishing it only compares versions. A mesh's first
   * translation, or a revision that changes many resources, encodes hundreds of them (tens of
   * milliseconds): over several turns, with other streams served in between.
   */
  private encodedWithin(result: TranslationResult): boolean {
    const started = performance.now();
    return this.options.cache.encodeAhead(snapshotOf(result), () => performance.now() - started >= TURN_BUDGET_MS);
  }

  /**
   * The base each result is published to: one that holds it already (a group taken up since), else
   * the base of its first group when every group on that base has this result too, else a new one.
   */
  private planBases(runtime: MeshRuntime, byResult: ReadonlyMap<TranslationResult, readonly string[]>): Map<string, TranslationResult> {
    const plan = new Map<string, TranslationResult>();
    for (const [result, groups] of byResult) {
      let base = baseHolding(runtime, result, plan);
      const first = runtime.groups.get(groups[0]!)?.base;
      if (base === undefined && first !== undefined && !plan.has(first)) {
        const members = new Set(groups);
        if ([...(runtime.bases.get(first)?.groups ?? [])].every((g) => members.has(g))) base = first;
      }
      plan.set(base ?? this.newBaseName(runtime), result);
    }
    return plan;
  }

  private newBaseName(runtime: MeshRuntime): string {
    return scopeKey(runtime.tenantId, runtime.mesh, `~shared-${++this.baseCount}`);
  }

  /**
   * Publishes `result` to `base`, then layers the scopes of `groups` (those still connected) on it,
   * each with its own inbound side; bases left without groups are forgotten after their groups moved.
   */
  private publishBase(runtime: MeshRuntime, base: string, result: TranslationResult, groups: readonly string[]): void {
    let entry = runtime.bases.get(base);
    const members = groups.flatMap((g) => {
      const group = runtime.groups.get(g);
      return group ? [[g, group] as const] : [];
    });
    if (!entry) {
      // Every group meant for a new base went meanwhile: nothing to publish.
      if (members.length === 0) return;
      entry = { result, groups: new Set() };
      runtime.bases.set(base, entry);
    }
    entry.result = result;
    // Issues found publishing are logged by the cache's onIssue (start-xds), with their scope.
    this.options.cache.setSnapshot(base, snapshotOf(result));
    const left = new Map<string, string>();
    for (const [g, group] of members) {
      if (group.base !== base) {
        if (group.base !== undefined) left.set(g, group.base);
        group.base = base;
        entry.groups.add(g);
      }
    }
    const onBase = new Set(members.map(([g]) => g));
    for (const [scope, scopeEntry] of runtime.scopes) if (scopeEntry.group !== undefined && onBase.has(scopeEntry.group)) this.publishScope(runtime, scope);
    for (const [g, old] of left) this.leaveBase(runtime, g, old);
    if (entry.groups.size === 0) this.leaveBase(runtime, undefined, base);
  }

  /** Takes `group` off `base`'s list (it moved or went); the base goes with its last group. */
  private leaveBase(runtime: MeshRuntime, group: string | undefined, base: string): void {
    const entry = runtime.bases.get(base);
    if (!entry) return;
    if (group !== undefined) entry.groups.delete(group);
    if (entry.groups.size > 0) return;
    runtime.bases.delete(base);
    this.options.cache.removeScope(base);
  }

  /**
   * Translates what a group shares (logging what did not translate, once per revision), once per
   * runtime: a gateway's or proxyless client's translation is not memoised in the index, and the
   * turns that encode a group's config ahead and then publish it must see the very same objects.
   */
  private translateGroup(runtime: MeshRuntime, group: string, descriptor: ProxyDescriptor): TranslationResult {
    let translated = this.groupResults.get(runtime);
    const known = translated?.get(group);
    if (known) return known;
    const started = performance.now();
    const result = this.translateShared(runtime, descriptor);
    if (!translated) this.groupResults.set(runtime, (translated = new Map()));
    translated.set(group, result);
    this.options.metrics?.translated((performance.now() - started) / 1000);
    for (const issue of this.unlogged(runtime, result.issues)) this.log.warn({ scope: group, revision: runtime.revision, ...issue }, 'config not translated for proxy group');
    return result;
  }

  /** Translates a group that is its own scope and hands it to the cache (which versions, and pushes to its streams). */
  private publishGroup(runtime: MeshRuntime, group: string): void {
    const entry = runtime.groups.get(group);
    if (!entry) return;
    this.options.cache.setSnapshot(group, snapshotOf(this.translateGroup(runtime, group, entry.descriptor)));
    const own = runtime.scopes.get(group);
    if (own) own.revision = runtime.revision;
  }

  /** Layers a new group's scopes on the base holding its result, or on a new base. */
  private attachGroup(runtime: MeshRuntime, group: string, entry: GroupEntry): void {
    const result = this.translateGroup(runtime, group, entry.descriptor);
    let base = baseHolding(runtime, result);
    if (base === undefined) {
      base = this.newBaseName(runtime);
      runtime.bases.set(base, { result, groups: new Set() });
      this.options.cache.setSnapshot(base, snapshotOf(result));
    }
    runtime.bases.get(base)!.groups.add(group);
    entry.base = base;
  }

  /** Publishes one proxy's inbound side on top of its group's base (the base is published by publishBase). */
  private publishScope(runtime: MeshRuntime, scope: string): void {
    const entry = runtime.scopes.get(scope);
    if (!entry?.group) return;
    const base = runtime.groups.get(entry.group)?.base;
    if (base === undefined) return;
    // A change of endpoints alone (registrations during a connection storm) leaves every inbound side as it is.
    const inputs = inboundInputsKey(runtime.index);
    if (entry.inboundInputs === inputs) {
      // Moved to another base: the same inbound side on it.
      if (entry.base !== base) this.options.cache.setLayered(scope, base, new Map());
      entry.base = base;
      entry.revision = runtime.revision;
      return;
    }
    const result = translateSidecarInbound(runtime.index, entry.descriptor);
    for (const issue of this.unlogged(runtime, result.issues)) this.log.warn({ scope, revision: runtime.revision, ...issue }, 'inbound config not translated');
    this.options.cache.setLayered(scope, base, new Map([[CLUSTER_TYPE_URL, byName(result.clusters)], [LISTENER_TYPE_URL, byName(result.listeners)]]));
    entry.base = base;
    entry.revision = runtime.revision;
    entry.inboundInputs = inputs;
  }

  /** The issues not yet logged for the mesh's revision: one line per issue, not one per group and reload. */
  private unlogged(runtime: MeshRuntime, issues: TranslationResult['issues']): TranslationResult['issues'] {
    if (issues.length === 0) return issues;
    const key = meshKey(runtime.tenantId, runtime.mesh);
    let logged = this.loggedIssues.get(key);
    if (!logged || logged.revision !== runtime.revision || logged.seen.size > MAX_LOGGED_ISSUES) {
      logged = { revision: runtime.revision, seen: new Set() };
      this.loggedIssues.set(key, logged);
    }
    const fresh = [];
    for (const issue of issues) {
      const id = `${issue.resource} ${issue.field} ${issue.message}`;
      if (logged.seen.has(id)) continue;
      logged.seen.add(id);
      fresh.push(issue);
    }
    return fresh;
  }

  private translateShared(runtime: MeshRuntime, descriptor: ProxyDescriptor): TranslationResult {
    if (descriptor.kind === 'gateway') return translateGateway(runtime.index, descriptor, runtime.credentials);
    return descriptor.kind === 'grpc' ? translateGrpcClient(runtime.index, descriptor) : translateSidecarShared(runtime.index, descriptor);
  }

  /** The scope's entry (and its group's), created and published when there is none (yet, or any more). */
  private ensureScope(runtime: MeshRuntime, scope: string, descriptor: ProxyDescriptor): ScopeEntry {
    let entry = runtime.scopes.get(scope);
    if (entry) return entry;
    const group = scopeKey(runtime.tenantId, runtime.mesh, proxyGroupKey(descriptor));
    let groupEntry = runtime.groups.get(group);
    entry = { descriptor, group: scope === group ? undefined : group, streams: 0, revision: runtime.revision };
    runtime.scopes.set(scope, entry);
    if (!groupEntry) {
      groupEntry = { descriptor, members: 0 };
      runtime.groups.set(group, groupEntry);
      if (entry.group !== undefined) this.attachGroup(runtime, group, groupEntry);
      else this.publishGroup(runtime, group);
    }
    groupEntry.members++;
    this.publishScope(runtime, scope);
    return entry;
  }

  /** Forgets a scope no stream uses; its group goes with its last member. */
  private dropScope(runtime: MeshRuntime, scope: string): void {
    const entry = runtime.scopes.get(scope);
    if (!entry) return;
    runtime.scopes.delete(scope);
    const group = entry.group ?? scope;
    if (entry.group) this.options.cache.removeScope(scope);
    const groupEntry = runtime.groups.get(group);
    if (groupEntry && --groupEntry.members <= 0) {
      runtime.groups.delete(group);
      if (groupEntry.base !== undefined) this.leaveBase(runtime, group, groupEntry.base);
      else this.options.cache.removeScope(group);
    }
  }

  private onConnect(e: StreamInfo): void {
    const proxy = this.connecting.get(e.proxyId);
    if (!proxy) return;
    const stream: { proxyId: string; scope: string; meshKey: string; registrationKey?: string } = { proxyId: e.proxyId, scope: e.scope, meshKey: meshKey(proxy.tenantId, proxy.mesh) };
    this.streams.set(e.streamId, stream);
    this.streamsPerProxy.set(e.proxyId, (this.streamsPerProxy.get(e.proxyId) ?? 0) + 1);
    const runtime = this.meshes.get(stream.meshKey);
    if (!runtime) return;
    this.ensureScope(runtime, e.scope, proxy.descriptor).streams++;
    const registered = this.registrar.connect(e.proxyId, proxy.nodeId, proxy, runtime.resources);
    if (registered) stream.registrationKey = registered;
  }

  private onDisconnect(e: DisconnectEvent): void {
    const stream = this.streams.get(e.streamId);
    this.streams.delete(e.streamId);
    if (!stream) return;
    const [tenantId, meshName] = stream.meshKey.split('/') as [string, string];
    this.feedback.onDisconnect(e, tenantId, meshName);
    // Forget what the proxy said about itself once its last stream is gone.
    const left = (this.streamsPerProxy.get(stream.proxyId) ?? 1) - 1;
    if (left > 0) this.streamsPerProxy.set(stream.proxyId, left);
    else {
      this.streamsPerProxy.delete(stream.proxyId);
      this.connecting.delete(stream.proxyId);
      this.registrar.forget(stream.proxyId);
    }
    const runtime = this.meshes.get(stream.meshKey);
    const scope = runtime?.scopes.get(stream.scope);
    if (runtime && scope && --scope.streams <= 0) this.dropScope(runtime, stream.scope);
    if (stream.registrationKey) this.registrar.disconnect(stream.registrationKey, stream.proxyId);
  }

  private async announceWorkloads(tenantId: string, mesh: string): Promise<void> {
    const revision = this.meshes.get(meshKey(tenantId, mesh))?.revision ?? 0;
    try {
      await this.options.bus.publish({ tenantId, mesh, revision, reason: 'workloads', at: (this.options.now?.() ?? new Date()).toISOString() });
    } catch (err) {
      this.log.warn({ err, mesh }, 'workloads change event not published; replicas reconcile');
    }
  }

  private async announce(tenantId: string, mesh: string, revision: number): Promise<void> {
    try {
      await this.options.bus.publish({ tenantId, mesh, revision, reason: 'commit', at: (this.options.now?.() ?? new Date()).toISOString() });
    } catch (err) {
      this.log.warn({ err, mesh }, 'change event not published; replicas reconcile');
    }
  }
}

/** A mesh runtime's registrations are compared on every reload and reconciliation: digested once. */
const digests = new WeakMap<readonly RegisteredWorkload[], string>();

/**
 * What translation reads of a set of registered workloads: every field but when the entry expires
 * (a refresh), since when it is connected and which replica holds it (a reconnect).
 */
function workloadsDigest(workloads: readonly RegisteredWorkload[]): string {
  let digest = digests.get(workloads);
  if (digest === undefined) {
    digest = JSON.stringify(workloads.map(({ expiresAt: _expiresAt, since: _since, replica: _replica, ...rest }) => rest));
    digests.set(workloads, digest);
  }
  return digest;
}
