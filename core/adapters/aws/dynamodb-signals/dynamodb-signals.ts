import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clauses, setOrRemove, type Part } from '../dynamodb-store/expressions.ts';
import { TableClient, type Item } from '../dynamodb-store/table-client.ts';
import { emptyDurations, MAX_WINDOW_SECONDS, SLOT_SECONDS, slotOf, summarise, windowSlots, type GoldenSignalsStore, type ServiceSignals, type SignalReport, type SlotCounts, type VersionSignals } from '../../../signals/index.ts';
import { reporterKey, reporterRange, servicePartition, slotKey, slotRange } from './keys.ts';

export interface DynamoDbSignalsOptions {
  /** Owned by the caller. */
  client: DynamoDBClient;
  /** The signals table: string keys PK/SK, TTL on `expiresAt`. See keys.ts for the items. */
  tableName: string;
}

/** UpdateItem calls in flight per report: a 500-service report is 1,000 small writes. */
const WRITE_CONCURRENCY = 16;
const bucket = (i: number) => `d${i}`;

/** `ADD a :x, b :y`: atomic increments of several counters in one clause. */
const addEach = (amounts: Record<string, number>): Part => (p) => {
  const entries = Object.entries(amounts);
  return entries.length === 0 ? '' : `ADD ${entries.map(([k, v]) => `${p.name(k)} ${p.value(v)}`).join(', ')}`;
};

/** Epoch seconds after which no read can ask for `slot`: DynamoDB's TTL may then delete its items. */
const expiresAfter = (slot: number) => (slot + 1) * SLOT_SECONDS + MAX_WINDOW_SECONDS;

/**
 * Golden signals in DynamoDB, shared by every API replica: each report adds its counts to one
 * item per service, version and 10-second slot (atomic ADDs, so concurrent reports from many
 * sidecars sum), and stamps one item per service and reporter with its latest slot. A read is
 * one Query over the window's slots and one over the service's reporters.
 */
export class DynamoDbSignals implements GoldenSignalsStore {
  readonly #table: TableClient;

  constructor({ client, tableName }: DynamoDbSignalsOptions) {
    this.#table = new TableClient(client, tableName);
  }

  async record(tenantId: string, mesh: string, reporter: string, report: SignalReport, at: Date): Promise<void> {
    const slot = slotOf(at);
    const expiresAt = expiresAfter(slot);
    const writes: (() => Promise<unknown>)[] = [];
    const hosts = new Set<string>();
    for (const s of report.services) {
      const partition = servicePartition(tenantId, mesh, s.host);
      hosts.add(s.host);
      const counts: Record<string, number> = { requests: s.requests, errors: s.errors };
      s.durationCounts.forEach((c, i) => c > 0 && (counts[bucket(i)] = c));
      const update = clauses(setOrRemove({ version: s.version, slot, expiresAt }), addEach(counts));
      writes.push(() => this.#table.updateIf(slotKey(partition, slot, s.version), update, undefined, 'UpdateItem (add signal counts)'));
    }
    for (const host of hosts) {
      const key = reporterKey(servicePartition(tenantId, mesh, host), reporter);
      writes.push(() => this.#table.updateIf(key, setOrRemove({ lastSlot: slot, expiresAt }), undefined, 'UpdateItem (stamp signal reporter)'));
    }
    for (let i = 0; i < writes.length; i += WRITE_CONCURRENCY) await Promise.all(writes.slice(i, i + WRITE_CONCURRENCY).map((w) => w()));
  }

  async read(tenantId: string, mesh: string, host: string, windowSeconds: number, at: Date): Promise<ServiceSignals> {
    const { windowSeconds: window, afterSlot, lastSlot } = windowSlots(windowSeconds, at);
    const partition = servicePartition(tenantId, mesh, host);
    const byVersion = new Map<string, SlotCounts[]>();
    for await (const item of this.#table.query({ partition, ...slotRange(afterSlot, lastSlot) }, 'Query (read signal slots)')) {
      const version = String(item.version);
      let slots = byVersion.get(version);
      if (!slots) byVersion.set(version, (slots = []));
      slots.push(countsOf(item));
    }
    let reporters = 0;
    // TTL deletion lags by up to days: whether a reporter is in the window is decided by its own lastSlot.
    for await (const item of this.#table.query({ partition, ...reporterRange }, 'Query (read signal reporters)')) if (Number(item.lastSlot) > afterSlot) reporters++;
    const versions: VersionSignals[] = [...byVersion].sort(([a], [b]) => a.localeCompare(b)).map(([version, slots]) => summarise(version, slots, window));
    return { host, windowSeconds: window, reporters, total: summarise('all', [...byVersion.values()].flat(), window), versions };
  }
}

function countsOf(item: Item): SlotCounts {
  const durations = emptyDurations().map((_, i) => Number(item[bucket(i)] ?? 0));
  return { requests: Number(item.requests ?? 0), errors: Number(item.errors ?? 0), durations };
}
