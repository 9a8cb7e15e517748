export { EventBridgeChangeBus } from './eventbridge-change-bus.ts';
export type { EventBridgeChangeBusOptions } from './eventbridge-change-bus.ts';
export { sweepStaleSubscriptions } from './sweep-stale-subscriptions.ts';
export type { SweepOptions, SweepResult } from './sweep-stale-subscriptions.ts';
export { ChangeBusError } from './errors.ts';
export type { BusLogger } from './logger.ts';
export { replicaResourceName } from './replica-names.ts';
export * from './constants.ts';
