/** One Cloud Map service a mesh names as a registry source. */
export interface CloudMapSourceRef {
  tenantId: string;
  mesh: string;
  cloudMapNamespace: string;
  service: string;
}

/** What one poll of a source came to. */
export type CloudMapPollOutcome = { ok: true; instances: number; skipped: number; filtered: number } | { ok: false; error: string };

/** A source's lease and how its polls went, as the fleet shares them. */
export interface CloudMapSourceStatus {
  cloudMapNamespace: string;
  service: string;
  /** The xds-server replica that holds (or last held) the lease to poll the source. */
  holder: string;
  /** ISO time the lease lapses unless renewed; after it any replica may take the source. */
  leaseExpiresAt: string;
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  /** The last failure's message, kept after later successes (with its time) for the record. */
  lastError?: string;
  lastErrorAt?: string;
  /** Failed polls since the last success (0 after a success); carried over when another replica takes the lease. */
  consecutiveFailures: number;
  /** Instances the last successful poll made workloads of, those it could not use, and those the attribute filter left out. */
  instances?: number;
  skipped?: number;
  filtered?: number;
}

/** Longest error message kept: enough for an SDK error, bounded for the item and the API. */
export const MAX_POLL_ERROR_LENGTH = 1000;

/**
 * The CloudMapSourceLeases port: which replica polls each Cloud Map source, and how its polls went.
 * One replica holds a source's lease at a time; it renews the lease every period and the others
 * skip the source, taking it over once the lease has lapsed (the holder stopped or crashed).
 * Implementations: in memory (local mode: one process) and DynamoDB (conditional writes in the
 * fleet's table); both pass `test/contracts/cloud-map-leases-contract.ts`.
 *
 * - `acquire` takes the lease for `holder` until now + `ttlMs`, or renews it; false, and nothing
 *   written, while another holder's lease has not lapsed.
 * - `record` writes a poll's outcome only while `holder` holds the lease (false otherwise): a
 *   success resets the consecutive failures, a failure adds one and keeps the last success.
 * - `release` ends `holder`'s lease now (nothing if another holds it); the status stays.
 * - `list` returns the mesh's sources with a lease or status, sorted by namespace then service.
 * - `forget` deletes sources' leases and status (the mesh no longer names them).
 */
export interface CloudMapSourceLeases {
  acquire(ref: CloudMapSourceRef, holder: string, ttlMs: number): Promise<boolean>;
  record(ref: CloudMapSourceRef, holder: string, outcome: CloudMapPollOutcome): Promise<boolean>;
  release(ref: CloudMapSourceRef, holder: string): Promise<void>;
  list(tenantId: string, mesh: string): Promise<CloudMapSourceStatus[]>;
  forget(tenantId: string, mesh: string, sources: readonly { cloudMapNamespace: string; service: string }[]): Promise<void>;
}

export const bySource = (a: { cloudMapNamespace: string; service: string }, b: { cloudMapNamespace: string; service: string }): number =>
  a.cloudMapNamespace === b.cloudMapNamespace ? (a.service < b.service ? -1 : a.service > b.service ? 1 : 0) : a.cloudMapNamespace < b.cloudMapNamespace ? -1 : 1;

export const boundedError = (message: string): string => (message.length > MAX_POLL_ERROR_LENGTH ? `${message.slice(0, MAX_POLL_ERROR_LENGTH - 1)}…` : message);
