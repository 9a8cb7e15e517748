export { DynamoDbSignals, type DynamoDbSignalsOptions } from './dynamodb-signals.ts';
