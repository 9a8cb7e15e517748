/**
 * Where the golden-signals store keeps its items in the signals table (string keys `PK`, `SK`,
 * TTL on `expiresAt`). One partition per service, so a read is one Query of a short key range.
 *
 * | PK                                | SK                              | holds                                             |
 * |-----------------------------------|---------------------------------|---------------------------------------------------|
 * | `SIGNALS#<tenant>#<mesh>#<host>`  | `SLOT#<slot, 12 digits>#<ver>`  | `version`, `slot`, `requests`, `errors`, `d<i>`    |
 * |                                   |                                 | (duration bucket i, absent = 0), `expiresAt`      |
 * |                                   | `REPORTER#<spiffe id>`          | `lastSlot` (the reporter's latest slot), `expiresAt` |
 *
 * Every part is percent-encoded, so a key can only ever name one mesh, service, version and reporter.
 * Items have a fixed set of attributes: a slot item stays under 2 KB whatever the traffic.
 */
import type { ItemKey } from '../dynamodb-store/keys.ts';

const enc = encodeURIComponent;
const SLOT_DIGITS = 12;
const padSlot = (slot: number): string => String(slot).padStart(SLOT_DIGITS, '0');

export const SLOT_PREFIX = 'SLOT#';
export const REPORTER_PREFIX = 'REPORTER#';

export const servicePartition = (tenantId: string, mesh: string, host: string): string => `SIGNALS#${enc(tenantId)}#${enc(mesh)}#${enc(host)}`;

export const slotKey = (partition: string, slot: number, version: string): ItemKey => ({ PK: partition, SK: `${SLOT_PREFIX}${padSlot(slot)}#${enc(version)}` });

export const reporterKey = (partition: string, reporter: string): ItemKey => ({ PK: partition, SK: `${REPORTER_PREFIX}${enc(reporter)}` });

/** Sort keys of the slots after `afterSlot` up to `lastSlot`, every version (`$` sorts right after the `#` that ends a slot). */
export const slotRange = (afterSlot: number, lastSlot: number): { low: string; high: string } => ({ low: `${SLOT_PREFIX}${padSlot(afterSlot + 1)}#`, high: `${SLOT_PREFIX}${padSlot(lastSlot)}$` });

export const reporterRange = { low: REPORTER_PREFIX, high: 'REPORTER$' };
