import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { boundedError, bySource, type CloudMapPollOutcome, type CloudMapSourceLeases, type CloudMapSourceRef, type CloudMapSourceStatus } from '../../../registry/cloud-map-source-status.ts';
import { add, attributeNotExists, clauses, equals, or, setOrRemove, type Part } from '../dynamodb-store/expressions.ts';
import type { ItemKey } from '../dynamodb-store/keys.ts';
import { TableClient, type Item } from '../dynamodb-store/table-client.ts';

export interface DynamoDbCloudMapLeasesOptions {
  /** Owned by the caller. */
  client: DynamoDBClient;
  /** The config table (string keys PK/SK, TTL on `expiresAt`). */
  tableName: string;
  now?: () => Date;
}

/**
 * Items of the config table, beside the workload registry's `LIVE#` partitions:
 *
 * | PK                         | SK                             | holds                                              |
 * |----------------------------|--------------------------------|----------------------------------------------------|
 * | `CLOUDMAP#<tenant>#<mesh>` | `SOURCE#<namespace>#<service>` | `holder`, `leaseUntil` (epoch ms), the poll status |
 * |                            |                                | and `expiresAt` (TTL: a week after the lease)      |
 *
 * Tenant and mesh are percent-encoded; Cloud Map names hold no `#`.
 */
const partition = (tenantId: string, mesh: string) => `CLOUDMAP#${encodeURIComponent(tenantId)}#${encodeURIComponent(mesh)}`;
const key = (ref: CloudMapSourceRef): ItemKey => ({ PK: partition(ref.tenantId, ref.mesh), SK: `SOURCE#${ref.cloudMapNamespace}#${ref.service}` });

const HOLDER = 'holder';
const LEASE_UNTIL = 'leaseUntil';
const FAILURES = 'consecutiveFailures';
/** A status no replica renews (every replica gone, the mesh deleted) is deleted by the table's TTL a week on. */
const KEEP_AFTER_LEASE_S = 7 * 24 * 3600;

// A lease lapses at its end: one released now is free now.
const atMost = (attribute: string, value: number): Part => (p) => `${p.name(attribute)} <= ${p.value(value)}`;
const startAtZero = (attribute: string): Part => (p) => `SET ${p.name(attribute)} = if_not_exists(${p.name(attribute)}, ${p.value(0)})`;

/** Cloud Map source leases in the fleet's DynamoDB table: a conditional write decides who polls. */
export class DynamoDbCloudMapLeases implements CloudMapSourceLeases {
  readonly #table: TableClient;
  readonly #now: () => Date;

  constructor({ client, tableName, now = () => new Date() }: DynamoDbCloudMapLeasesOptions) {
    this.#table = new TableClient(client, tableName);
    this.#now = now;
  }

  async acquire(ref: CloudMapSourceRef, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.#now().getTime();
    const until = now + ttlMs;
    // SET clauses go in one list: `SET a, b SET c` is not an expression DynamoDB takes.
    const set = setOrRemove({ [HOLDER]: holder, [LEASE_UNTIL]: until, cloudMapNamespace: ref.cloudMapNamespace, service: ref.service, expiresAt: Math.ceil(until / 1000) + KEEP_AFTER_LEASE_S });
    const update: Part = (p) => `${set(p)}, ${startAtZero(FAILURES)(p).slice('SET '.length)}`;
    const taken = await this.#table.updateIf(key(ref), update, or(attributeNotExists('PK'), equals(HOLDER, holder), atMost(LEASE_UNTIL, now)), 'UpdateItem (take a Cloud Map source lease)');
    return taken !== undefined;
  }

  async record(ref: CloudMapSourceRef, holder: string, outcome: CloudMapPollOutcome): Promise<boolean> {
    const at = this.#now().toISOString();
    const update = outcome.ok
      ? setOrRemove({ lastAttemptAt: at, lastSuccessAt: at, [FAILURES]: 0, instances: outcome.instances, skipped: outcome.skipped, filtered: outcome.filtered })
      : clauses(setOrRemove({ lastAttemptAt: at, lastError: boundedError(outcome.error), lastErrorAt: at }), add(FAILURES, 1));
    return (await this.#table.updateIf(key(ref), update, equals(HOLDER, holder), 'UpdateItem (record a Cloud Map poll)')) !== undefined;
  }

  async release(ref: CloudMapSourceRef, holder: string): Promise<void> {
    await this.#table.updateIf(key(ref), setOrRemove({ [LEASE_UNTIL]: this.#now().getTime() }), equals(HOLDER, holder), 'UpdateItem (release a Cloud Map source lease)');
  }

  async list(tenantId: string, mesh: string): Promise<CloudMapSourceStatus[]> {
    const statuses: CloudMapSourceStatus[] = [];
    for await (const item of this.#table.query({ partition: partition(tenantId, mesh) }, 'Query (list Cloud Map sources)')) statuses.push(fromItem(item));
    return statuses.sort(bySource);
  }

  async forget(tenantId: string, mesh: string, sources: readonly { cloudMapNamespace: string; service: string }[]): Promise<void> {
    if (sources.length === 0) return;
    await this.#table.batchDelete(
      sources.map((s) => key({ tenantId, mesh, ...s })),
      'BatchWriteItem (forget Cloud Map sources)',
    );
  }
}

function fromItem(item: Item): CloudMapSourceStatus {
  const text = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] as string } : {});
  const count = (name: string) => (typeof item[name] === 'number' ? { [name]: item[name] as number } : {});
  return {
    cloudMapNamespace: item.cloudMapNamespace as string,
    service: item.service as string,
    holder: item[HOLDER] as string,
    leaseExpiresAt: new Date(item[LEASE_UNTIL] as number).toISOString(),
    ...text('lastAttemptAt'),
    ...text('lastSuccessAt'),
    ...text('lastError'),
    ...text('lastErrorAt'),
    consecutiveFailures: (item[FAILURES] as number | undefined) ?? 0,
    ...count('instances'),
    ...count('skipped'),
    ...count('filtered'),
  };
}
