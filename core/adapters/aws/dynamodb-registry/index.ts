export { DynamoDbWorkloadRegistry, type DynamoDbWorkloadRegistryOptions } from './dynamodb-registry.ts';
