import type { Logger } from 'pino';
import type { RevisionConvergence } from '../../core/proxies/convergence.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import type { FleetStatusStore } from '../../core/fleet/index.ts';
import type { AckEvent, AdsServer, DisconnectEvent, NackEvent, SendEvent } from '../server/index.ts';
import type { ControlPlaneMetrics } from '../metrics/xds-metrics.ts';
import { ConvergenceTracker } from './convergence-tracker.ts';
import { meshKey } from './mesh-runtime.ts';
import { NackProtection } from './nack-protection.ts';

/** What the control plane knows about one open stream. */
export interface StreamContext {
  tenantId: string;
  mesh: string;
  proxyId: string;
  /** Mesh revision of the config last published to the stream's scope. */
  revision: number;
}

export interface RevisionFeedbackOptions {
  store: ConfigStore;
  logger: Logger;
  metrics?: ControlPlaneMetrics;
  /** See NackProtection: how long to wait for more answers before deciding on a rollback. */
  nackDecisionDelayMs?: number;
  /** Every replica's proxy status: NACK protection then decides over the whole fleet. */
  fleetStatus?: Pick<FleetStatusStore, 'list'>;
  streamContext(streamId: string): StreamContext | undefined;
  /** Open streams of a mesh on this replica. */
  streamsOf(tenantId: string, mesh: string): { streamId: string; proxyId: string }[];
  announce(tenantId: string, mesh: string, revision: number): Promise<void>;
}

// Enough to map a NACKed version back to its revision: a stream has at most 32 responses pending.
const VERSIONS_PER_STREAM = 64;

/**
 * What proxies make of each mesh revision: which revision every response carried (so a NACK
 * names the revision it rejected), NACK protection, and convergence per revision.
 */
export class RevisionFeedback {
  private readonly sentRevision = new Map<string, Map<string, number>>();
  private readonly tracker: ConvergenceTracker;
  private readonly protection: NackProtection;
  private readonly log: Logger;
  private ads: AdsServer | undefined;

  constructor(private readonly options: RevisionFeedbackOptions) {
    this.log = options.logger.child({ component: 'revision-feedback' });
    this.tracker = new ConvergenceTracker({ onConverged: (_mesh, _revision, seconds) => options.metrics?.converged(seconds) });
    this.protection = new NackProtection({
      store: options.store,
      logger: options.logger,
      announce: options.announce,
      connectedProxies: (tenantId, mesh) => new Set(options.streamsOf(tenantId, mesh).map((s) => s.proxyId)).size,
      ...(options.nackDecisionDelayMs !== undefined ? { decisionDelayMs: options.nackDecisionDelayMs } : {}),
      onRollback: () => options.metrics?.rolledBack(),
      ...(options.fleetStatus ? { fleet: (tenantId: string, mesh: string) => options.fleetStatus!.list(tenantId, mesh) } : {}),
    });
  }

  attach(ads: AdsServer): void {
    this.ads = ads;
  }

  stop(): void {
    this.protection.stop();
  }

  onSend(e: SendEvent): void {
    const ctx = this.options.streamContext(e.streamId);
    if (!ctx) return;
    const versions = this.sentRevision.get(e.streamId) ?? new Map<string, number>();
    this.sentRevision.set(e.streamId, versions);
    versions.set(`${e.typeUrl} ${e.version}`, ctx.revision);
    if (versions.size > VERSIONS_PER_STREAM) versions.delete(versions.keys().next().value as string);
    this.protection.recordSent(ctx.tenantId, ctx.mesh, ctx.revision, ctx.proxyId);
  }

  onAck(e: AckEvent): void {
    const ctx = this.options.streamContext(e.streamId);
    if (ctx) this.checkSynced(ctx, e.streamId);
  }

  onNack(e: NackEvent): void {
    const ctx = this.options.streamContext(e.streamId);
    const revision = this.sentRevision.get(e.streamId)?.get(`${e.typeUrl} ${e.rejectedVersion}`) ?? ctx?.revision;
    this.log.warn({ event: 'nack', proxy: e.proxyId, mesh: ctx?.mesh, revision, typeUrl: e.typeUrl, version: e.rejectedVersion, message: e.message }, 'proxy rejected config');
    if (!ctx || revision === undefined) return;
    this.protection.recordNack({ tenantId: ctx.tenantId, mesh: ctx.mesh, proxyId: e.proxyId, revision, message: e.message });
  }

  onDisconnect(e: DisconnectEvent, tenantId: string, mesh: string): void {
    this.sentRevision.delete(e.streamId);
    this.tracker.gone(meshKey(tenantId, mesh), e.streamId);
  }

  /** A new revision of the mesh was published to the cache; its proxies' acknowledgements are now awaited. */
  async published(tenantId: string, mesh: string, revision: number): Promise<void> {
    const streams = this.options.streamsOf(tenantId, mesh);
    if (streams.length === 0) return;
    let createdAtMs: number;
    try {
      const record = await this.options.store.getRevision(tenantId, mesh, revision);
      if (!record) return;
      createdAtMs = Date.parse(record.createdAt);
    } catch (err) {
      this.log.warn({ err, mesh, revision }, 'revision not read; its convergence is not tracked');
      return;
    }
    const key = meshKey(tenantId, mesh);
    // Streams that left while the record was read have already been counted out.
    const still = streams.filter((s) => this.options.streamContext(s.streamId));
    this.tracker.begin(key, revision, createdAtMs, still.map((s) => s.streamId));
    // Acknowledgements that arrived while the record was read (or streams with nothing new) count now.
    for (const s of still) {
      const ctx = this.options.streamContext(s.streamId);
      if (ctx) this.checkSynced(ctx, s.streamId);
    }
  }

  convergence(tenantId: string, mesh: string, revisions: readonly number[]): Map<number, RevisionConvergence> {
    const key = meshKey(tenantId, mesh);
    const out = new Map<number, RevisionConvergence>();
    for (const n of revisions) {
      const c = this.tracker.get(key, n);
      if (c) out.set(n, c);
    }
    return out;
  }

  forgetMesh(tenantId: string, mesh: string): void {
    this.tracker.forgetMesh(meshKey(tenantId, mesh));
  }

  private checkSynced(ctx: StreamContext, streamId: string): void {
    const key = meshKey(ctx.tenantId, ctx.mesh);
    if (!this.tracker.isWaiting(key, streamId)) return;
    // A proxy that has not answered everything it was sent is not in sync; its answer checks again.
    // This skips building the stream's whole status for every ACK of a multi-type push (a VHDS
    // change alone is answered twice) and for every stream at publish time: that was over a
    // quarter of a change's CPU.
    if (this.ads?.streamAwaitingAnswer(streamId)) return;
    // Asked of the sessions directly: building the stream's status for this was most of a change's
    // bookkeeping CPU (hundreds of resources per stream, on every stream's last answer).
    if (this.ads?.streamInSync(streamId)) this.tracker.synced(key, streamId, ctx.revision, Date.now());
  }
}
