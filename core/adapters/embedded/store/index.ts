export { openEmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.ts';
export { CorruptJournalError, StoreLockedError } from './errors.ts';
export type { RecoveryEvent } from './journal.ts';
