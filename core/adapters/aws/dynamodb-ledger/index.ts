export { DynamoDbLedger, MAX_AUDIT_LIMIT, type DynamoDbLedgerOptions } from './dynamodb-ledger.ts';
export { DynamoDbLedgerError } from './sdk-errors.ts';
