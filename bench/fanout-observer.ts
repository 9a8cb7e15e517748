// What the bench sees of the xDS server from its hooks: live streams, when it last pushed, NACKs,
// and for one change the ACK of each affected stream: of every route configuration and (VHDS, delta
// Envoys) virtual host it was pushed after the change, matched by nonce.
import { ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL } from '../xds-server/protos/index.ts';
import type { XdsServerHooks } from '../xds-server/server/index.ts';

export interface ChangeResult {
  /** streamId → ms from the commit to the server receiving that stream's ACK. */
  acks: Map<string, number>;
  /** Streams of the changed mesh when the change started. */
  affected: number;
  /** Server CPU (µs) from `cpuFrom` to the last ACK. */
  cpuMicros: number;
  /** Responses pushed to streams of other meshes from the commit until `finish()`. */
  otherMeshPushes: number;
  /** ms from the commit to the server's last route or virtual-host push to the changed mesh (undefined: none). */
  lastPushMs: number | undefined;
}

interface ActiveChange {
  prefix: string;
  t0: number;
  affected: number;
  /** streamId → nonces of its post-change route and virtual-host pushes not yet acknowledged. */
  pending: Map<string, Set<string>>;
  acks: Map<string, number>;
  otherMeshPushes: number;
  lastPushMs?: number;
  cpuStart?: NodeJS.CpuUsage;
  cpuMicros?: number;
  done?: () => void;
}

const ROUTE_TYPES = new Set<string>([ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL]);

export class ServerObserver {
  readonly streams = new Map<string, { proxyId: string; scope: string }>();
  nacks = 0;
  /** Why the server ended streams: reason (and error) → count. */
  readonly disconnects = new Map<string, number>();
  private lastSendAt = performance.now();
  /** Pushes per type and protocol since the last quiet() began, for the error when it never comes. */
  private recent = new Map<string, number>();
  /** Pushes per type and protocol since `countPushes()` was last called. */
  private counted = new Map<string, number>();
  private change: ActiveChange | undefined;

  readonly hooks: XdsServerHooks = {
    onConnect: (e) => void this.streams.set(e.streamId, { proxyId: e.proxyId, scope: e.scope }),
    onDisconnect: (e) => {
      this.streams.delete(e.streamId);
      const why = e.error ? `${e.reason}: ${e.error}` : e.reason;
      this.disconnects.set(why, (this.disconnects.get(why) ?? 0) + 1);
    },
    onNack: () => void this.nacks++,
    onSend: (e) => {
      this.lastSendAt = performance.now();
      const key = `${e.typeUrl.split('.').pop()} ${e.protocol}`;
      this.recent.set(key, (this.recent.get(key) ?? 0) + 1);
      this.counted.set(key, (this.counted.get(key) ?? 0) + 1);
      const c = this.change;
      if (!c) return;
      if (!e.scope.startsWith(c.prefix)) c.otherMeshPushes++;
      else if (ROUTE_TYPES.has(e.typeUrl)) {
        const nonces = c.pending.get(e.streamId) ?? new Set<string>();
        nonces.add(e.nonce);
        c.pending.set(e.streamId, nonces);
        c.lastPushMs = performance.now() - c.t0;
      }
    },
    onAck: (e) => {
      const c = this.change;
      const nonces = c?.pending.get(e.streamId);
      if (!c || !nonces || !ROUTE_TYPES.has(e.typeUrl) || !nonces.delete(e.nonce) || nonces.size > 0 || c.acks.has(e.streamId)) return;
      // The stream holds the change once the last of its route and virtual-host responses is acknowledged.
      c.acks.set(e.streamId, performance.now() - c.t0);
      if (c.acks.size === c.affected && c.cpuStart) {
        c.cpuMicros = cpuMicros(process.cpuUsage(c.cpuStart));
        c.done?.();
      }
    },
  };

  /** Pushes per type and protocol since the last call, and starts counting afresh. */
  countPushes(): Map<string, number> {
    const c = this.counted;
    this.counted = new Map();
    return c;
  }

  /** Resolves once the server has pushed nothing for `quietMs`. */
  async quiet(quietMs: number, timeoutMs = 300_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    this.recent.clear();
    while (performance.now() - this.lastSendAt < quietMs) {
      if (performance.now() > deadline) throw new Error(`the server kept pushing for ${timeoutMs / 1000} s: ${[...this.recent].map(([k, n]) => `${n} ${k}`).join(', ')} to ${this.streams.size} streams`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.lastSendAt;
  }

  /** Resolves (with when) once `n` streams are open, checking every 50 ms. */
  async connected(n: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.streams.size < n) {
      if (performance.now() > deadline) throw new Error(`only ${this.streams.size} of ${n} streams open after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return performance.now();
  }

  /** When the server last pushed anything (performance.now()). */
  get lastPushAt(): number {
    return this.lastSendAt;
  }

  /** Starts timing a change to the streams whose scope starts with `prefix` (call right before the commit); returns its start (performance.now()). */
  beginChange(prefix: string): number {
    const affected = [...this.streams.values()].filter((s) => s.scope.startsWith(prefix)).length;
    this.change = { prefix, t0: performance.now(), affected, pending: new Map(), acks: new Map(), otherMeshPushes: 0 };
    return this.change.t0;
  }

  /** CPU is counted from here (after the commit returned, so the store's own work is left out). */
  async waitForAcks(timeoutMs: number): Promise<void> {
    const c = this.change;
    if (!c) throw new Error('no change in progress');
    c.cpuStart = process.cpuUsage();
    if (c.acks.size >= c.affected) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      c.done = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends the change (call after the server went quiet again, so stray pushes are counted). */
  finish(): ChangeResult {
    const c = this.change;
    if (!c) throw new Error('no change in progress');
    this.change = undefined;
    return { acks: c.acks, affected: c.affected, cpuMicros: c.cpuMicros ?? NaN, otherMeshPushes: c.otherMeshPushes, lastPushMs: c.lastPushMs };
  }
}

export const cpuMicros = (u: NodeJS.CpuUsage) => u.user + u.system;
