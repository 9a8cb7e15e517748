import type { NodeMetadata } from '../proxies/node-metadata.ts';
import type { ProxyStatus } from '../proxies/proxy-status.ts';

/**
 * What one xds-server replica last observed of one proxy connected to it: everything
 * `GET /proxies` shows (identity, registration, protocol, revision, per xDS type what was sent,
 * acked and the last NACK), plus who wrote it and for how long it counts. Live state, never config.
 */
export interface ProxyStatusRecord extends ProxyStatus {
  /** The replica holding the proxy's stream; only it refreshes or removes the record. */
  replica: string;
  /** ISO time the replica observed this content (a heartbeat that only extends `expiresAt` keeps it). */
  updatedAt: string;
  /** ISO time after which the record no longer counts unless its replica rewrites it (a crashed replica's proxies go then). */
  expiresAt: string;
  /**
   * The node metadata the replica translated for (identity fields as verified: from the client
   * certificate under mTLS), so the API can re-translate the proxy's group (`proxy-config`, dry-run
   * previews) without the replica. Absent when the replica could not tie it to the proxy's scope.
   */
  metadata?: NodeMetadata;
}

/**
 * The fleet's proxy status, shared by every xds-server replica and read by the API (which has no
 * xDS streams of its own). Implementations: in memory and DynamoDB; both pass the contract suite
 * in `test/contracts/fleet-status-contract.ts`.
 *
 * - `put` creates or replaces records (a heartbeat is a put with a later `expiresAt`); records of
 *   one call may span meshes. Not atomic across records, but each is written whole; when one call
 *   holds the same tenant/mesh/proxyId twice, the later record wins.
 * - `remove` deletes a record only while `replica` still holds it (a proxy that reconnected to
 *   another replica keeps its record); removing a missing record is not an error.
 * - `list` returns the mesh's records whose `expiresAt` is after `now` (the store's clock), sorted
 *   by proxyId. An expired record is never listed, whether or not it was deleted yet.
 *
 * Input (checked by `fleet-input.ts`, the same for every implementation): a bad record, tenant,
 * mesh, proxy id or replica is a `ValidationError` with field paths, and nothing of that call is
 * written. A NACK message longer than `MAX_NACK_MESSAGE_CHARS` is stored truncated (marked so);
 * a record is at most `MAX_PROXY_STATUS_RECORD_BYTES` as JSON. Stored records are copies. After
 * `close` every call rejects.
 */
export interface FleetStatusStore {
  put(records: readonly ProxyStatusRecord[]): Promise<void>;
  remove(tenantId: string, mesh: string, proxyIds: readonly string[], replica: string): Promise<void>;
  list(tenantId: string, mesh: string): Promise<ProxyStatusRecord[]>;
  close(): Promise<void>;
}
