import type { RevisionConvergence } from '../../core/proxies/convergence.ts';

interface Pending {
  revision: number;
  createdAtMs: number;
  waiting: Set<string>;
  proxies: number;
  acked: number;
  lastAckMs?: number;
}

export interface ConvergenceTrackerOptions {
  /** Revisions remembered per mesh (oldest forgotten first). */
  historyPerMesh?: number;
  /** Called once per revision when its last proxy acknowledged it. */
  onConverged?: (meshKey: string, revision: number, seconds: number) => void;
}

/**
 * Per mesh and revision: which streams connected at push time still lack the revision's config,
 * and when the last one got it. Streams are reported synced by the control plane; a newer
 * revision supersedes an older one for a stream (it holds the newer config instead).
 */
export class ConvergenceTracker {
  private readonly meshes = new Map<string, Map<number, Pending>>();
  private readonly history: number;

  constructor(private readonly options: ConvergenceTrackerOptions = {}) {
    this.history = options.historyPerMesh ?? 100;
  }

  /** A revision was pushed to these streams; `createdAtMs` is its commit time. */
  begin(meshKey: string, revision: number, createdAtMs: number, streamIds: Iterable<string>): void {
    const byRevision = this.meshes.get(meshKey) ?? new Map<number, Pending>();
    this.meshes.set(meshKey, byRevision);
    if (byRevision.has(revision)) return;
    const waiting = new Set(streamIds);
    byRevision.set(revision, { revision, createdAtMs, waiting, proxies: waiting.size, acked: 0 });
    while (byRevision.size > this.history) byRevision.delete(byRevision.keys().next().value as number);
  }

  /** Whether any revision of the mesh still waits for this stream. */
  isWaiting(meshKey: string, streamId: string): boolean {
    for (const p of this.meshes.get(meshKey)?.values() ?? []) if (p.waiting.has(streamId)) return true;
    return false;
  }

  /** The stream holds the config of `revision` (and so of every earlier one it was waiting for). */
  synced(meshKey: string, streamId: string, revision: number, atMs: number): void {
    for (const p of this.meshes.get(meshKey)?.values() ?? []) {
      if (p.revision > revision || !p.waiting.delete(streamId)) continue;
      p.acked++;
      p.lastAckMs = atMs;
      this.maybeDone(meshKey, p);
    }
  }

  /** The stream ended: it no longer counts for any revision. */
  gone(meshKey: string, streamId: string): void {
    for (const p of this.meshes.get(meshKey)?.values() ?? []) {
      if (!p.waiting.delete(streamId)) continue;
      p.proxies--;
      this.maybeDone(meshKey, p);
    }
  }

  get(meshKey: string, revision: number): RevisionConvergence | undefined {
    const p = this.meshes.get(meshKey)?.get(revision);
    if (!p) return undefined;
    const seconds = p.waiting.size === 0 && p.lastAckMs !== undefined ? secondsBetween(p.createdAtMs, p.lastAckMs) : undefined;
    return { proxies: p.proxies, acked: p.acked, ...(seconds !== undefined ? { seconds } : {}) };
  }

  forgetMesh(meshKey: string): void {
    this.meshes.delete(meshKey);
  }

  private maybeDone(meshKey: string, p: Pending): void {
    if (p.waiting.size > 0 || p.lastAckMs === undefined) return;
    this.options.onConverged?.(meshKey, p.revision, secondsBetween(p.createdAtMs, p.lastAckMs));
  }
}

// Clocks of the committer and this replica may differ slightly; never report negative time.
const secondsBetween = (fromMs: number, toMs: number) => Math.max(0, Math.round(toMs - fromMs)) / 1000;
