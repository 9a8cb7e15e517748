export { openEmbeddedLedger, LedgerCorruptError } from './embedded-ledger.ts';
export type { EmbeddedLedgerOptions } from './embedded-ledger.ts';
export { loadOrCreateJoinTokenSecret } from './join-token-secret.ts';
