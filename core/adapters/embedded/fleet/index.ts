export { InMemoryFleetStatus, type InMemoryFleetStatusOptions } from './in-memory-fleet-status.ts';
