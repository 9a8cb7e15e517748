export type { RegisteredService, RegisteredWorkload, WorkloadRegistry } from './workload-registry.ts';
export { MAX_REGISTERED_WORKLOAD_BYTES, MAX_WORKLOAD_ID_LENGTH, WORKLOAD_ID, byId, isLive, validateMeshRef, validateRegisteredWorkloads, validateRemoval } from './registry-input.ts';
