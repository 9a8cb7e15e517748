/*
 * Names shared by the EventBridge ChangeBus and the CDK app (IAM scopes, alarms, dead-letter
 * rules). Changing one is a breaking change for deployed stacks.
 */

/** `source` of every mesh change event on the bus. */
export const EVENT_SOURCE = 'trellis.config';

/** `detail-type` of every mesh change event on the bus. */
export const DETAIL_TYPE = 'MeshChanged';

/** Prefix of each replica's SQS queue and EventBridge rule: `trellis-xds-<replicaId>`. */
export const REPLICA_RESOURCE_PREFIX = 'trellis-xds-';

/** Tag naming the replica that owns a queue or rule. */
export const TAG_REPLICA = 'trellis:replica';

/** Tag naming the bus a replica queue subscribes to; a sweep only touches its own bus's queues. */
export const TAG_BUS = 'trellis:bus';

/** Tag holding the owner's last heartbeat (ISO-8601); the sweeper deletes stale ones. */
export const TAG_HEARTBEAT = 'trellis:heartbeat';

/** The pattern every replica's rule matches. */
export const MESH_CHANGED_PATTERN = { source: [EVENT_SOURCE] } as const;

/**
 * Upper bound on one event's `detail` (UTF-8 bytes). A change event only points at a revision,
 * so anything near EventBridge's 256 KB entry limit is a bug, not a payload.
 */
export const MAX_DETAIL_BYTES = 8 * 1024;
