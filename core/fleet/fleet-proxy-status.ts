import type { ConvergenceSource, RevisionConvergence } from '../proxies/convergence.ts';
import type { ProxyStatus, ProxyStatusSource } from '../proxies/proxy-status.ts';
import type { ConfigStore } from '../store/config-store.ts';
import type { FleetStatusStore, ProxyStatusRecord } from './fleet-status.ts';

export interface FleetProxyStatusOptions {
  fleet: Pick<FleetStatusStore, 'list'>;
  /** Where commit times come from. */
  store: Pick<ConfigStore, 'getRevision'>;
}

/**
 * Proxy status and convergence as the xds-server replicas report them to the fleet store: what
 * the API reads where it runs apart from the xDS streams (Lambda). Records lag the streams by the
 * reporters' flush interval (about half a second).
 */
export class FleetProxyStatus implements ProxyStatusSource, ConvergenceSource {
  readonly #fleet: Pick<FleetStatusStore, 'list'>;
  readonly #store: Pick<ConfigStore, 'getRevision'>;

  constructor(options: FleetProxyStatusOptions) {
    this.#fleet = options.fleet;
    this.#store = options.store;
  }

  async list(tenantId: string, mesh: string): Promise<ProxyStatus[]> {
    return (await this.#fleet.list(tenantId, mesh)).map(toProxyStatus);
  }

  /**
   * Per revision, over the proxies connected now (not those connected at push time, which no
   * replica keeps): `acked` counts those holding it or a later revision with every type SYNCED.
   * `seconds` is given only while every proxy acked and holds exactly that revision: commit time to
   * the latest `updatedAt`, an upper bound (a proxy that connected later counts from when it got
   * the config). A superseded revision has counts only; with no proxy connected a revision is left out.
   */
  async convergence(tenantId: string, mesh: string, revisions: readonly number[]): Promise<Map<number, RevisionConvergence>> {
    const out = new Map<number, RevisionConvergence>();
    const records = await this.#fleet.list(tenantId, mesh);
    if (records.length === 0) return out;
    for (const revision of new Set(revisions)) {
      const acked = records.filter((r) => holds(r, revision));
      const convergence: RevisionConvergence = { proxies: records.length, acked: acked.length };
      if (acked.length === records.length && records.every((r) => r.revision === revision)) {
        const seconds = await this.#secondsToConverge(tenantId, mesh, revision, records);
        if (seconds !== undefined) convergence.seconds = seconds;
      }
      out.set(revision, convergence);
    }
    return out;
  }

  async #secondsToConverge(tenantId: string, mesh: string, revision: number, records: readonly ProxyStatusRecord[]): Promise<number | undefined> {
    const committed = await this.#store.getRevision(tenantId, mesh, revision);
    if (!committed) return undefined;
    const last = Math.max(...records.map((r) => Date.parse(r.updatedAt)));
    // The committer's and the replicas' clocks may differ slightly; never report negative time.
    return Math.max(0, Math.round(last - Date.parse(committed.createdAt))) / 1000;
  }
}

/** The proxy holds `revision` (or later) and acknowledged every type it was sent. */
function holds(record: ProxyStatusRecord, revision: number): boolean {
  return (record.revision ?? 0) >= revision && Object.values(record.types).every((t) => t.state === 'SYNCED');
}

// `metadata` is for re-translation only: `/proxies` shows what local mode shows.
function toProxyStatus({ updatedAt: _updatedAt, expiresAt: _expiresAt, metadata: _metadata, ...status }: ProxyStatusRecord): ProxyStatus {
  return status;
}
