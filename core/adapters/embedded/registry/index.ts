export { InMemoryWorkloadRegistry, type InMemoryWorkloadRegistryOptions } from './in-memory-workload-registry.ts';
