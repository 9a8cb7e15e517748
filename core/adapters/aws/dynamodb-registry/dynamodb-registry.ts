import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TrellisError } from '../../../errors.ts';
import { isLive, valid, validateMeshRef, validateRegisteredWorkloads, validateRemoval } from '../../../registry/registry-input.ts';
import type { RegisteredWorkload, WorkloadRegistry } from '../../../registry/workload-registry.ts';
import { equals } from '../dynamodb-store/expressions.ts';
import { TableClient } from '../dynamodb-store/table-client.ts';
import { livePartition, workloadKey } from './keys.ts';
import { REPLICA, fromItem, toItem } from './records.ts';

export interface DynamoDbWorkloadRegistryOptions {
  /** Owned by the caller: `close()` does not destroy it. */
  client: DynamoDBClient;
  /** The config table: string keys PK/SK, TTL on `expiresAt`. See keys.ts for the items. */
  tableName: string;
  now?: () => Date;
}

const REMOVE_CONCURRENCY = 10;

/**
 * The WorkloadRegistry in the DynamoDB config table, shared by every xds-server replica. Each
 * replica refreshes the entries of the proxies it holds; a crashed replica's entries stop being
 * listed once they expire, and DynamoDB's TTL deletes them later.
 */
export class DynamoDbWorkloadRegistry implements WorkloadRegistry {
  readonly #table: TableClient;
  readonly #now: () => Date;
  #closed = false;

  constructor({ client, tableName, now = () => new Date() }: DynamoDbWorkloadRegistryOptions) {
    this.#table = new TableClient(client, tableName);
    this.#now = now;
  }

  async put(entries: readonly RegisteredWorkload[]): Promise<void> {
    this.#open();
    const checked = valid(validateRegisteredWorkloads(entries), 'registered workloads');
    // One BatchWriteItem refuses a key twice: the later entry wins, as it would in order.
    const items = new Map(checked.map((entry) => [JSON.stringify([entry.tenantId, entry.mesh, entry.id]), toItem(entry)]));
    await this.#table.batchPut([...items.values()], 'BatchWriteItem (put registered workloads)');
  }

  async remove(tenantId: string, mesh: string, ids: readonly string[], replica: string): Promise<void> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const removal = valid(validateRemoval(ids, replica), 'removal');
    // One conditional delete each (an entry another replica took over since stays), a few at a time.
    const distinct = [...new Set(removal.ids)];
    for (let i = 0; i < distinct.length; i += REMOVE_CONCURRENCY) {
      await Promise.all(distinct.slice(i, i + REMOVE_CONCURRENCY).map((id) => this.#table.deleteIf(workloadKey(tenantId, mesh, id), equals(REPLICA, removal.replica), 'DeleteItem (remove registered workload)')));
    }
  }

  async list(tenantId: string, mesh: string): Promise<RegisteredWorkload[]> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const now = this.#now();
    const live: RegisteredWorkload[] = [];
    // TTL deletion lags by up to days: expiry is decided here, by the entry's own expiresAt.
    for await (const item of this.#table.query({ partition: livePartition(tenantId, mesh) }, 'Query (list registered workloads)')) {
      const entry = fromItem(item);
      if (isLive(entry, now)) live.push(entry);
    }
    return live;
  }

  async removeMesh(tenantId: string, mesh: string): Promise<void> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const keys = [];
    for await (const item of this.#table.query({ partition: livePartition(tenantId, mesh) }, 'Query (registered workloads of a deleted mesh)')) keys.push({ PK: item.PK, SK: item.SK });
    await this.#table.batchDelete(keys, 'BatchWriteItem (remove registered workloads of a deleted mesh)');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new TrellisError('the workload registry is closed');
  }
}
