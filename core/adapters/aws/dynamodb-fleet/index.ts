export { DynamoDbFleetStatus, type DynamoDbFleetStatusOptions } from './dynamodb-fleet-status.ts';
