import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, waitUntilTableExists, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PK, SK } from './keys.ts';

/** The table's primary key; the CDK app declares the same (string PK hash, string SK range). */
export const KEY_SCHEMA = [
  { AttributeName: PK, KeyType: 'HASH' },
  { AttributeName: SK, KeyType: 'RANGE' },
] as const;

export const ATTRIBUTE_DEFINITIONS = [
  { AttributeName: PK, AttributeType: 'S' },
  { AttributeName: SK, AttributeType: 'S' },
] as const;

/**
 * No global secondary indexes: every access pattern is served by the primary key, strongly
 * consistent (a GSI is eventually consistent and cannot enforce the uniqueness of a key hash).
 */
export const GLOBAL_SECONDARY_INDEXES = [] as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    KeySchema: KEY_SCHEMA.map((k) => ({ ...k })),
    AttributeDefinitions: ATTRIBUTE_DEFINITIONS.map((a) => ({ ...a })),
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/** Creates the table unless it exists, and waits until it is active. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (described.Table?.TableStatus !== 'ACTIVE') await waitUntilTableExists({ client, maxWaitTime: 120 }, { TableName: tableName });
}
