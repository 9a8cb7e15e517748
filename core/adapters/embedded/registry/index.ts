export { InMemoryWorkloadRegistry, type InMemoryWorkloadRegistryOptions } from './in-memory-workload-registry.ts';
export { InMemoryCloudMapLeases } from './in-memory-cloud-map-leases.ts';
