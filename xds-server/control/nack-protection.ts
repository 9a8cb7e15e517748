import type { Logger } from 'pino';
import { PreconditionFailedError } from '../../core/errors.ts';
import { rollback } from '../../core/store/rollback.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import type { ProxyStatusRecord } from '../../core/fleet/index.ts';

export const NACK_PROTECTION_AUTHOR = 'system:nack-protection';
export const DEFAULT_NACK_THRESHOLD = 0.5;

interface RevisionVerdicts {
  /** Proxies this replica sent the revision's config to. */
  sent: Set<string>;
  /** Proxies that rejected it, with Envoy's first message. */
  rejected: Map<string, string>;
  decided: boolean;
  timer?: NodeJS.Timeout;
}

export interface NackProtectionOptions {
  store: ConfigStore;
  logger: Logger;
  /** Publishes the rollback revision to every replica. */
  announce(tenantId: string, mesh: string, revision: number): Promise<void>;
  /** Proxies connected to this replica in the mesh (the most that can have been sent a revision). */
  connectedProxies(tenantId: string, mesh: string): number;
  /** How long to wait for other proxies' answers when the first rejections are not yet decisive. */
  decisionDelayMs?: number;
  /**
   * Every replica's proxies of the mesh (fleet status): with it, the threshold is computed over the
   * whole fleet, not only over the proxies connected here.
   */
  fleet?: (tenantId: string, mesh: string) => Promise<readonly ProxyStatusRecord[]>;
  /** Revisions remembered per mesh. */
  historyPerMesh?: number;
  onRollback?: (tenantId: string, mesh: string, revision: number) => void;
}

export interface NackReport {
  tenantId: string;
  mesh: string;
  proxyId: string;
  revision: number;
  message: string;
}

/** What the fleet's proxy status says about one revision: proxies sent it (or later), and those that rejected it. */
function fleetVerdicts(records: readonly ProxyStatusRecord[], revision: number): { connected: number; sent: number; rejected: number } {
  let sent = 0;
  let rejected = 0;
  for (const r of records) {
    if ((r.revision ?? -1) < revision) continue;
    sent++;
    if (r.revision === revision && Object.values(r.types).some((t) => t?.state === 'NACKED')) rejected++;
  }
  return { connected: records.length, sent, rejected };
}

/**
 * Counts, per mesh revision, the proxies that were sent it and those that rejected it (this
 * replica's, and with `fleet` every replica's); with `onNack.action: rollback` and more than
 * `threshold` of them rejecting, restores the previous revision as a new one. Never rolls back a
 * rollback, and decides each revision once; the rollback commit is conditional on the head still
 * being the rejected revision, so however many replicas decide, one rollback is written.
 */
export class NackProtection {
  private readonly meshes = new Map<string, Map<number, RevisionVerdicts>>();
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly options: NackProtectionOptions) {
    this.log = options.logger.child({ component: 'nack-protection' });
  }

  recordSent(tenantId: string, mesh: string, revision: number, proxyId: string): void {
    this.verdicts(tenantId, mesh, revision).sent.add(proxyId);
  }

  recordNack(report: NackReport): void {
    const v = this.verdicts(report.tenantId, report.mesh, report.revision);
    v.sent.add(report.proxyId);
    if (!v.rejected.has(report.proxyId)) v.rejected.set(report.proxyId, report.message);
    if (!v.decided) void this.decide(report.tenantId, report.mesh, report.revision, false);
  }

  stop(): void {
    this.stopped = true;
    for (const byRevision of this.meshes.values()) for (const v of byRevision.values()) clearTimeout(v.timer);
  }

  private verdicts(tenantId: string, mesh: string, revision: number): RevisionVerdicts {
    const key = `${tenantId}/${mesh}`;
    const byRevision = this.meshes.get(key) ?? new Map<number, RevisionVerdicts>();
    this.meshes.set(key, byRevision);
    let v = byRevision.get(revision);
    if (!v) {
      v = { sent: new Set(), rejected: new Map(), decided: false };
      byRevision.set(revision, v);
      while (byRevision.size > (this.options.historyPerMesh ?? 20)) {
        const oldest = byRevision.keys().next().value as number;
        clearTimeout(byRevision.get(oldest)?.timer);
        byRevision.delete(oldest);
      }
    }
    return v;
  }

  /**
   * Early (on a NACK): decides only when the rejections exceed the threshold even of every proxy
   * connected here, so proxies still answering cannot change the outcome; otherwise waits
   * `decisionDelayMs` and decides over the proxies that were sent the revision by then.
   */
  private async decide(tenantId: string, mesh: string, revision: number, final: boolean): Promise<void> {
    const v = this.meshes.get(`${tenantId}/${mesh}`)?.get(revision);
    if (!v || v.decided || this.stopped) return;
    if (final) v.timer = undefined;
    const context = { mesh, revision, rejected: v.rejected.size, sent: v.sent.size };
    try {
      const record = await this.options.store.getMesh(tenantId, mesh);
      if (!record) return;
      const onNack = (record.settings as { onNack?: { action?: string; threshold?: number } }).onNack;
      if (onNack?.action !== 'rollback') {
        v.decided = true;
        this.log.warn({ ...context, event: 'nack.alert' }, 'proxies rejected a revision; onNack action is alert, nothing rolled back');
        return;
      }
      const threshold = onNack.threshold ?? DEFAULT_NACK_THRESHOLD;
      const fleet = this.options.fleet ? fleetVerdicts(await this.options.fleet(tenantId, mesh), revision) : { connected: 0, sent: 0, rejected: 0 };
      const rejected = Math.max(v.rejected.size, fleet.rejected);
      const base = final ? Math.max(v.sent.size, fleet.sent) : Math.max(v.sent.size, this.options.connectedProxies(tenantId, mesh), fleet.connected);
      Object.assign(context, { rejected, sent: Math.max(v.sent.size, fleet.sent) });
      if (rejected / base <= threshold) {
        if (final) this.log.warn({ ...context, threshold, event: 'nack.below-threshold' }, 'proxies rejected a revision, no more than the rollback threshold');
        else if (!v.timer) {
          v.timer = setTimeout(() => void this.decide(tenantId, mesh, revision, true), this.options.decisionDelayMs ?? 2_000);
          v.timer.unref();
        }
        return;
      }
      if (v.decided) return;
      v.decided = true;
      clearTimeout(v.timer);
      const rev = await this.options.store.getRevision(tenantId, mesh, revision);
      if (!rev || revision < 1) return;
      if (rev.rollbackTo !== undefined || rev.author === NACK_PROTECTION_AUTHOR) {
        this.log.error({ ...context, event: 'nack.rollback-skipped' }, 'a rollback revision was rejected; not rolling back automatically again');
        return;
      }
      if (record.revision !== revision) {
        this.log.error({ ...context, head: record.revision, event: 'nack.rollback-skipped' }, 'the mesh moved on since the rejected revision; not rolling back automatically (it would undo later changes)');
        return;
      }
      const firstMessage = [...v.rejected.values()][0] ?? '';
      const message = `automatic rollback of revision ${revision}: ${context.rejected}/${context.sent} proxies rejected it: ${firstMessage}`.slice(0, 500);
      const result = await rollback(this.options.store, { tenantId, mesh, toRevision: revision - 1, author: NACK_PROTECTION_AUTHOR, message });
      if (!result.created) return;
      this.log.error({ ...context, rollbackRevision: result.revision, event: 'nack.rollback' }, message);
      this.options.onRollback?.(tenantId, mesh, revision);
      await this.options.announce(tenantId, mesh, result.revision);
    } catch (err) {
      // Another replica rolled back (or someone committed) first: the head moved, nothing to do.
      if (err instanceof PreconditionFailedError) this.log.info({ ...context }, 'rollback raced another change; left as is');
      else this.log.error({ err, ...context }, 'NACK protection failed');
    }
  }
}
