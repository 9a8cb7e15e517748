export { DynamoDbConfigStore, type DynamoDbConfigStoreOptions } from './dynamodb-store.ts';
export { ATTRIBUTE_DEFINITIONS, GLOBAL_SECONDARY_INDEXES, KEY_SCHEMA, createTableInput, ensureTable } from './table.ts';
export { MAX_CHANGES_PER_COMMIT, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES } from './limits.ts';
export { DynamoDbStoreError } from './sdk-errors.ts';
