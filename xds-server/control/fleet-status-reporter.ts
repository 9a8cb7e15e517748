import type { Logger } from 'pino';
import { validateProxyStatusRecord, type FleetStatusStore, type ProxyStatusRecord } from '../../core/fleet/index.ts';
import type { ProxyStatus } from '../../core/proxies/proxy-status.ts';
import type { XdsServerHooks } from '../server/index.ts';

export interface FleetStatusReporterOptions {
  /** This replica's name in the records it writes (it refreshes and removes only its own). */
  replica: string;
  store: FleetStatusStore;
  /** The status of every proxy connected to this replica now. */
  statuses: () => Promise<ProxyStatus[]>;
  logger: Logger;
  now?: () => Date;
  /** How long a record counts without a rewrite (default 60 s): a crashed replica's proxies go after it. */
  ttlMs?: number;
  /** Shortest time between two writes of one proxy's record, and how often the reporter looks (default 500 ms). */
  flushIntervalMs?: number;
  /** Longest time without looking even when no stream event came (default 2 s): a new revision that changes nothing a proxy is sent moves no event. */
  pollIntervalMs?: number;
}

interface Held {
  tenantId: string;
  mesh: string;
  proxyId: string;
  /** The status as last written, timestamps excluded: what the diff compares. */
  content: string;
  status: ProxyStatus;
  updatedAt: string;
  writtenAtMs: number;
}

/**
 * Writes the status of this replica's proxies to the fleet store, so the API (which holds no
 * streams) can show them and tell when a revision landed.
 *
 * Write budget. A record is written when its content changed (timestamps excluded), at most once
 * per flush interval per proxy: changes within one interval coalesce into one write. Every record
 * is rewritten TTL/3 after its last write (heartbeat), and removed when its proxy disconnects.
 * Per 1,000 proxies with the defaults (TTL 60 s, flush 500 ms):
 * - steady state: 1,000 / 20 s = 50 record writes/s (2 BatchWriteItem calls/s), nothing else;
 * - a reconnect storm of 1,000 proxies: at most 2,000 writes/s while statuses change (one per proxy
 *   per 500 ms); a proxy synced within 400 ms of connecting costs 1–2 writes (1.8 on average, peak
 *   1,400 writes/s, when 1,000 connect within one second), and 1 delete per proxy that left.
 * `fleet-status-reporter.budget.test.ts` counts both.
 */
export class FleetStatusReporter {
  readonly #options: FleetStatusReporterOptions;
  readonly #now: () => Date;
  readonly #ttlMs: number;
  readonly #flushMs: number;
  readonly #pollMs: number;
  readonly #log: Logger;
  /** `JSON.stringify([tenant, mesh, proxyId])` → what was last written. */
  readonly #held = new Map<string, Held>();
  /** Records of proxies that left, not yet removed (a failed remove is retried). */
  readonly #leaving = new Map<string, Pick<Held, 'tenantId' | 'mesh' | 'proxyId'>>();
  /** Content refused by the store's input rules, logged once per change. */
  readonly #refused = new Map<string, string>();
  #dirty = true;
  #lastLookMs = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: FleetStatusReporterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#flushMs = options.flushIntervalMs ?? 500;
    this.#pollMs = options.pollIntervalMs ?? 2_000;
    this.#log = options.logger.child({ component: 'fleet-status-reporter' });
  }

  /** Stream events that may change a status: the next flush looks at once. */
  readonly hooks: XdsServerHooks = {
    onConnect: () => this.notify(),
    onDisconnect: () => this.notify(),
    onAck: () => this.notify(),
    onNack: () => this.notify(),
    onSend: () => this.notify(),
  };

  notify(): void {
    this.#dirty = true;
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.flush(), this.#flushMs);
    this.#timer.unref();
  }

  /** Stops flushing and removes every record this replica holds (its proxies reconnect elsewhere). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
    for (const [key, held] of this.#held) this.#leaving.set(key, held);
    this.#held.clear();
    await this.#removeLeaving();
  }

  /** One round: look at the statuses when due, write what changed and the heartbeats due, remove who left. Rounds never overlap. */
  flush(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = this.#round().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #round(): Promise<void> {
    if (this.#stopped) return;
    const nowMs = this.#now().getTime();
    const changed = this.#dirty || nowMs - this.#lastLookMs >= this.#pollMs ? await this.#look(nowMs) : [];
    if (this.#stopped) return;
    const changedKeys = new Set(changed.map((c) => c.key));
    const heartbeats = [...this.#held].filter(([key, held]) => !changedKeys.has(key) && nowMs - held.writtenAtMs >= this.#ttlMs / 3);
    const writes = [...changed.map((c) => ({ ...c, updatedAt: new Date(nowMs).toISOString() })), ...heartbeats.map(([key, held]) => ({ key, status: held.status, content: held.content, updatedAt: held.updatedAt }))];
    await this.#write(writes, nowMs);
    await this.#removeLeaving();
  }

  /** Reads the statuses; returns those whose content differs from what was written, and marks those gone as leaving. */
  async #look(nowMs: number): Promise<{ key: string; status: ProxyStatus; content: string }[]> {
    this.#dirty = false;
    let statuses: ProxyStatus[];
    try {
      statuses = await this.#options.statuses();
    } catch (err) {
      this.#dirty = true;
      this.#log.warn({ err }, 'proxy status not read; retried at the next flush');
      return [];
    }
    this.#lastLookMs = nowMs;
    const seen = new Set<string>();
    const changed: { key: string; status: ProxyStatus; content: string }[] = [];
    for (const status of statuses) {
      const key = JSON.stringify([status.tenantId, status.mesh, status.proxyId]);
      seen.add(key);
      this.#leaving.delete(key);
      const content = JSON.stringify(status);
      if (this.#held.get(key)?.content !== content) changed.push({ key, status, content });
    }
    for (const [key, held] of this.#held) {
      if (seen.has(key)) continue;
      this.#held.delete(key);
      this.#leaving.set(key, held);
    }
    for (const key of this.#refused.keys()) if (!seen.has(key)) this.#refused.delete(key);
    return changed;
  }

  async #write(writes: { key: string; status: ProxyStatus; content: string; updatedAt: string }[], nowMs: number): Promise<void> {
    const expiresAt = new Date(nowMs + this.#ttlMs).toISOString();
    const records: ProxyStatusRecord[] = [];
    const accepted: typeof writes = [];
    for (const w of writes) {
      const checked = validateProxyStatusRecord({ ...w.status, replica: this.#options.replica, updatedAt: w.updatedAt, expiresAt });
      if (checked.ok) {
        records.push(checked.value);
        accepted.push(w);
        continue;
      }
      // One odd proxy (say, a node id the store cannot key) must not keep the others from being written.
      if (this.#refused.get(w.key) !== w.content) this.#log.warn({ proxy: w.status.proxyId, mesh: w.status.mesh, errors: checked.errors }, 'proxy status not reportable to the fleet');
      this.#refused.set(w.key, w.content);
    }
    if (records.length === 0) return;
    try {
      await this.#options.store.put(records);
    } catch (err) {
      // Nothing counts as written: changed records are found again, heartbeats stay due.
      this.#dirty = true;
      this.#log.warn({ err, records: records.length }, 'proxy status not written; retried at the next flush');
      return;
    }
    for (const w of accepted) this.#held.set(w.key, { tenantId: w.status.tenantId, mesh: w.status.mesh, proxyId: w.status.proxyId, content: w.content, status: w.status, updatedAt: w.updatedAt, writtenAtMs: nowMs });
  }

  async #removeLeaving(): Promise<void> {
    if (this.#leaving.size === 0) return;
    const byMesh = new Map<string, { tenantId: string; mesh: string; keys: string[]; proxyIds: string[] }>();
    for (const [key, r] of this.#leaving) {
      const meshKey = `${r.tenantId}/${r.mesh}`;
      const group = byMesh.get(meshKey) ?? { tenantId: r.tenantId, mesh: r.mesh, keys: [], proxyIds: [] };
      byMesh.set(meshKey, group);
      group.keys.push(key);
      group.proxyIds.push(r.proxyId);
    }
    for (const group of byMesh.values()) {
      try {
        await this.#options.store.remove(group.tenantId, group.mesh, group.proxyIds, this.#options.replica);
        for (const key of group.keys) this.#leaving.delete(key);
      } catch (err) {
        // Until it succeeds the records expire on their own after the TTL.
        this.#log.warn({ err, mesh: group.mesh, proxies: group.proxyIds.length }, 'proxy status of disconnected proxies not removed; retried at the next flush');
      }
    }
  }
}
