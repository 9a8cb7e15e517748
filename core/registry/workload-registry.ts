/**
 * Live state, not config: the workloads that are connected (or otherwise known to be running)
 * right now. Apply, delete, rollback and history never see these entries; translation merges
 * them with the configured WorkloadEntries.
 */
export interface RegisteredWorkload {
  tenantId: string;
  mesh: string;
  /**
   * Unique per mesh, derived from the verified identity and the node id (see
   * `registeredWorkloadId`), so one workload cannot overwrite another's entry.
   */
  id: string;
  namespace: string;
  /** A DNS label naming the endpoint (what `trellis get workloads` shows). */
  name: string;
  /** The WorkloadGroup (`namespace/name`) the workload joined, when it named one. */
  group?: string;
  serviceAccount: string;
  /** The SPIFFE ID of the certificate the workload connected with (absent for plaintext local xDS). */
  spiffeId?: string;
  /** IP literal the workload is reachable on. */
  address: string;
  /** The labels it is selected by: the group's template labels, plus allowed own labels. */
  labels: Record<string, string>;
  /** Service port name → port on the workload; absent means the service port itself. */
  ports?: Record<string, number>;
  /**
   * The workload's sidecar inbound listener port: peers reach every port of every service that
   * selects the workload through it (local mode has no traffic redirection). Wins over `ports`.
   */
  inboundPort?: number;
  /** `region/zone/subzone`. */
  locality?: string;
  weight?: number;
  /**
   * Set on a Kubernetes Service mirrored by a cluster agent: the entry is a mesh service
   * (`<service.name>.<namespace>.svc.cluster.local`), not an endpoint, and `address` is its cluster IP.
   */
  service?: RegisteredService;
  /** Where the entry comes from: a connected proxy, or a registry source such as Cloud Map. */
  source: 'proxy' | 'cloud-map' | 'kubernetes';
  /** The xds-server replica (or source poller) that keeps the entry alive. */
  replica: string;
  /** ISO time the workload connected (or was first seen). */
  since: string;
  /** ISO time after which the entry no longer counts, unless refreshed before. */
  expiresAt: string;
}

/** A Kubernetes Service as translation sees it: a ServiceEntry selecting the pods its selector matches. */
export interface RegisteredService {
  name: string;
  /** Service ports; `protocol` as Istio reads it from `appProtocol` or the port name, absent when neither says. */
  ports: { name: string; number: number; protocol?: string }[];
  /** Labels of the pods that serve it; absent for a Service without a selector, which gets no endpoints. */
  selector?: Record<string, string>;
}

/**
 * The WorkloadRegistry port. Implementations: in memory (local mode: live state is rebuilt when
 * proxies reconnect) and DynamoDB (items with TTL, refreshed by the replica holding the stream, so
 * a crashed replica's workloads disappear once they expire). Both pass the contract suite in
 * `test/contracts/workload-registry-contract.ts`.
 *
 * - `put` creates or replaces entries (a refresh is a put with a later `expiresAt`); entries of
 *   one call may span meshes. It is not atomic across entries, but each entry is written whole;
 *   when one call holds the same tenant/mesh/id twice, the later entry wins.
 * - `remove` deletes an entry only while it is still held by `replica` (a workload that moved to
 *   another replica keeps its entry); removing a missing entry is not an error.
 * - `list` returns the mesh's entries whose `expiresAt` is after `now` (the registry's clock),
 *   sorted by id. An expired entry is never listed, whether or not it was deleted yet.
 * - `removeMesh` deletes every entry of a mesh (the mesh was deleted).
 *
 * Input (checked by `registry-input.ts`, the same for every implementation): a bad entry, tenant,
 * mesh, id or replica is a `ValidationError` with field paths, and nothing of that call is
 * written. Tenant ids, meshes, namespaces and names are DNS-1123 labels; an id is 1–512 of
 * `[A-Za-z0-9._@:/-]`; `since` and `expiresAt` are ISO 8601 date-times; labels follow the
 * Kubernetes rules; an entry is at most 16 KiB as JSON. Stored entries are copies: changing an
 * entry after `put`, or one `list` returned, changes nothing stored. After `close` every call
 * rejects.
 */
export interface WorkloadRegistry {
  put(entries: readonly RegisteredWorkload[]): Promise<void>;
  remove(tenantId: string, mesh: string, ids: readonly string[], replica: string): Promise<void>;
  list(tenantId: string, mesh: string): Promise<RegisteredWorkload[]>;
  removeMesh(tenantId: string, mesh: string): Promise<void>;
  close(): Promise<void>;
}
