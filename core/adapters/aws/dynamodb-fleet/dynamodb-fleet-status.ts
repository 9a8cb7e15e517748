import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TrellisError } from '../../../errors.ts';
import { byProxyId, isCurrent, validateProxyRemoval, validateProxyStatusRecords } from '../../../fleet/fleet-input.ts';
import type { FleetStatusStore, ProxyStatusRecord } from '../../../fleet/fleet-status.ts';
import { valid, validateMeshRef } from '../../../registry/registry-input.ts';
import { equals } from '../dynamodb-store/expressions.ts';
import { TableClient } from '../dynamodb-store/table-client.ts';
import { fleetPartition, proxyKey } from './keys.ts';
import { REPLICA, fromItem, toItem } from './records.ts';

export interface DynamoDbFleetStatusOptions {
  /** Owned by the caller: `close()` does not destroy it. */
  client: DynamoDBClient;
  /** The config table: string keys PK/SK, TTL on `expiresAt`. See keys.ts for the items. */
  tableName: string;
  now?: () => Date;
}

const REMOVE_CONCURRENCY = 10;

/**
 * Proxy status in the DynamoDB config table: each xds-server replica writes its proxies' records,
 * the API lists them. A crashed replica's records stop being listed once they expire, and
 * DynamoDB's TTL deletes them later.
 */
export class DynamoDbFleetStatus implements FleetStatusStore {
  readonly #table: TableClient;
  readonly #now: () => Date;
  #closed = false;

  constructor({ client, tableName, now = () => new Date() }: DynamoDbFleetStatusOptions) {
    this.#table = new TableClient(client, tableName);
    this.#now = now;
  }

  async put(records: readonly ProxyStatusRecord[]): Promise<void> {
    this.#open();
    const checked = valid(validateProxyStatusRecords(records), 'proxy status records');
    // One BatchWriteItem refuses a key twice: the later record wins, as it would in order.
    const items = new Map(checked.map((record) => [JSON.stringify([record.tenantId, record.mesh, record.proxyId]), toItem(record)]));
    await this.#table.batchPut([...items.values()], 'BatchWriteItem (put proxy status)');
  }

  async remove(tenantId: string, mesh: string, proxyIds: readonly string[], replica: string): Promise<void> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const removal = valid(validateProxyRemoval(proxyIds, replica), 'removal');
    // One conditional delete each (a record another replica took over since stays), a few at a time.
    const distinct = [...new Set(removal.proxyIds)];
    for (let i = 0; i < distinct.length; i += REMOVE_CONCURRENCY) {
      await Promise.all(distinct.slice(i, i + REMOVE_CONCURRENCY).map((id) => this.#table.deleteIf(proxyKey(tenantId, mesh, id), equals(REPLICA, removal.replica), 'DeleteItem (remove proxy status)')));
    }
  }

  async list(tenantId: string, mesh: string): Promise<ProxyStatusRecord[]> {
    this.#open();
    valid(validateMeshRef(tenantId, mesh), 'mesh');
    const now = this.#now();
    const current: ProxyStatusRecord[] = [];
    // TTL deletion lags by up to days: expiry is decided here, by the record's own expiresAt.
    for await (const item of this.#table.query({ partition: fleetPartition(tenantId, mesh) }, 'Query (list proxy status)')) {
      const record = fromItem(item);
      if (isCurrent(record, now)) current.push(record);
    }
    return current.sort(byProxyId);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new TrellisError('the fleet status store is closed');
  }
}
