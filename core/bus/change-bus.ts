/**
 * A mesh's config or settings changed (subscribers reload it from the ConfigStore), or its
 * registered workloads did (`workloads`: subscribers re-read the WorkloadRegistry; `revision` is
 * the config head the publisher saw).
 */
export interface MeshChangeEvent {
  tenantId: string;
  mesh: string;
  /** Head revision after the change. */
  revision: number;
  reason: 'commit' | 'mesh-updated' | 'mesh-deleted' | 'workloads';
  at: string;
}

export type ChangeHandler = (event: MeshChangeEvent) => void | Promise<void>;

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The ChangeBus port: at-least-once, unordered delivery of change events to every
 * subscriber (every xds-server replica). Consumers must tolerate duplicates and gaps;
 * periodic reconciliation against the store covers lost events.
 */
export interface ChangeBus {
  publish(event: MeshChangeEvent): Promise<void>;
  subscribe(handler: ChangeHandler): Promise<Subscription>;
}
