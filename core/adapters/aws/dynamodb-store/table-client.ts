import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { and, between, equals, render, type Part } from './expressions.ts';
import { PK, SK, type ItemKey } from './keys.ts';
import { DynamoDbStoreError, fromDynamoDbError, sdkCall } from './sdk-errors.ts';

export type Item = Record<string, unknown> & ItemKey;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: ItemKey } };

export interface QueryOptions {
  partition: string;
  /** Inclusive sort-key range; the whole partition when absent. */
  low?: string;
  high?: string;
  descending?: boolean;
  /** Sort key to resume strictly after (a position; no item needs to exist there). */
  after?: string;
  /** Items per request; DynamoDB also stops at 1 MB. */
  pageSize?: number;
}

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const BATCH_RETRIES = 8;

/** The table as the store sees it: strongly consistent reads, one place that calls the SDK. */
export class TableClient {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(key: ItemKey, action: string): Promise<Item | undefined> {
    const out = await sdkCall(action, () => this.#doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })));
    return out.Item as Item | undefined;
  }

  /** Puts an item if `condition` holds; false when it did not. */
  async putIf(item: Item, condition: Part, action: string): Promise<boolean> {
    try {
      await this.#doc.send(new PutCommand({ TableName: this.tableName, Item: item, ...render({ condition }) }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw fromDynamoDbError(error, action);
    }
  }

  /** Updates an item if `condition` holds (always without one) and returns it as it is now; undefined when the condition did not hold. */
  async updateIf(key: ItemKey, update: Part, condition: Part | undefined, action: string): Promise<Item | undefined> {
    try {
      const out = await this.#doc.send(new UpdateCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_NEW', ...(render({ update, condition }) as { UpdateExpression: string }) }));
      return out.Attributes as Item;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw fromDynamoDbError(error, action);
    }
  }

  /** Items of a sort-key range in order, fetched lazily page by page. */
  async *query(options: QueryOptions, action: string): AsyncGenerator<Item> {
    const { low, high } = options;
    const keyCondition: Part = low !== undefined && high !== undefined ? and(equals(PK, options.partition), between(SK, low, high)) : equals(PK, options.partition);
    let start: ItemKey | undefined = options.after === undefined ? undefined : { PK: options.partition, SK: options.after };
    do {
      const out = await sdkCall(action, () =>
        this.#doc.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ScanIndexForward: !options.descending,
            ...(options.pageSize !== undefined && { Limit: options.pageSize }),
            ...(start && { ExclusiveStartKey: start }),
            ...render({ keyCondition }),
          }),
        ),
      );
      for (const item of out.Items ?? []) yield item as Item;
      start = out.LastEvaluatedKey as ItemKey | undefined;
    } while (start);
  }

  /** Strongly consistent reads of many keys; missing items are absent from the map (keyed by SK). */
  async batchGet(keys: ItemKey[], action: string): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      let pending: ItemKey[] = keys.slice(i, i + BATCH_GET_MAX);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > BATCH_RETRIES) throw new DynamoDbStoreError(`DynamoDB ${action}: keys still unprocessed after ${BATCH_RETRIES} retries`);
        if (attempt > 0) await backoff(attempt);
        const request = { [this.tableName]: { Keys: pending, ConsistentRead: true } };
        const out = await sdkCall(action, () => this.#doc.send(new BatchGetCommand({ RequestItems: request })));
        for (const item of out.Responses?.[this.tableName] ?? []) found.set((item as Item).SK, item as Item);
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as ItemKey[];
      }
    }
    return found;
  }

  /** Deletes keys 25 at a time, retrying what DynamoDB leaves unprocessed. Not atomic. */
  async batchDelete(keys: ItemKey[], action: string): Promise<void> {
    await this.#batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })), action);
  }

  /** Puts items 25 at a time, retrying what DynamoDB leaves unprocessed. Not atomic; keys must be distinct. */
  async batchPut(items: Item[], action: string): Promise<void> {
    await this.#batchWrite(items.map((Item) => ({ PutRequest: { Item } })), action);
  }

  /** Deletes an item if `condition` holds; false when it did not. */
  async deleteIf(key: ItemKey, condition: Part, action: string): Promise<boolean> {
    try {
      await this.#doc.send(new DeleteCommand({ TableName: this.tableName, Key: key, ...render({ condition }) }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw fromDynamoDbError(error, action);
    }
  }

  async #batchWrite(requests: WriteRequest[], action: string): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) {
      let pending = requests.slice(i, i + BATCH_WRITE_MAX);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > BATCH_RETRIES) throw new DynamoDbStoreError(`DynamoDB ${action}: writes still unprocessed after ${BATCH_RETRIES} retries`);
        if (attempt > 0) await backoff(attempt);
        const out = await sdkCall(action, () => this.#doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })));
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
      }
    }
  }

  /** One TransactWriteItems; the raw SDK error is thrown so callers can read cancellation reasons. */
  async transact(items: TransactItem[]): Promise<void> {
    await this.#doc.send(new TransactWriteCommand({ TransactItems: items }));
  }

  /** A Put/Update/Delete/ConditionCheck entry on this table. */
  put(item: Item, condition?: Part, returnOld = false): TransactItem {
    return { Put: { TableName: this.tableName, Item: item, ...render({ condition }), ...(returnOld && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }) } };
  }

  update(key: ItemKey, update: Part, condition?: Part, returnOld = false): TransactItem {
    return { Update: { TableName: this.tableName, Key: key, ...(render({ update, condition }) as { UpdateExpression: string }), ...(returnOld && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }) } };
  }

  delete(key: ItemKey, condition?: Part, returnOld = false): TransactItem {
    return { Delete: { TableName: this.tableName, Key: key, ...render({ condition }), ...(returnOld && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }) } };
  }

  check(key: ItemKey, condition: Part): TransactItem {
    return { ConditionCheck: { TableName: this.tableName, Key: key, ...(render({ condition }) as { ConditionExpression: string }) } };
  }
}

/** Jittered exponential backoff: 10 ms doubling, capped at 500 ms. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(500, 10 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
