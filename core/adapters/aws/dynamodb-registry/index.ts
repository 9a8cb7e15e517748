export { DynamoDbWorkloadRegistry, type DynamoDbWorkloadRegistryOptions } from './dynamodb-registry.ts';
export { DynamoDbCloudMapLeases, type DynamoDbCloudMapLeasesOptions } from './dynamodb-cloud-map-leases.ts';
