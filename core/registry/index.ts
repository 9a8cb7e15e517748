export type { RegisteredService, RegisteredWorkload, WorkloadRegistry } from './workload-registry.ts';
export { MAX_REGISTERED_WORKLOAD_BYTES, MAX_WORKLOAD_ID_LENGTH, WORKLOAD_ID, byId, isLive, validateMeshRef, validateRegisteredWorkloads, validateRemoval } from './registry-input.ts';
export { boundedError, bySource, MAX_POLL_ERROR_LENGTH, type CloudMapPollOutcome, type CloudMapSourceLeases, type CloudMapSourceRef, type CloudMapSourceStatus } from './cloud-map-source-status.ts';
