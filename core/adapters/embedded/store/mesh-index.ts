import type { ResourceKey, StoredResource } from '../../../resources/resource.ts';
import type { CommitRecord } from './records.ts';
import type { RecordLocation } from './journal.ts';
import { lowerBound, upperBound } from '../../../sorted-strings.ts';

/** Sorts by kind, then namespace, then name (NUL cannot occur in any of them). */
export function sortKey(key: ResourceKey): string {
  return `${key.kind}\u0000${key.namespace}\u0000${key.name}`;
}

interface Entry {
  key: ResourceKey;
  /** Revisions that wrote or deleted this key, ascending. */
  writes: { revision: number; deleted: boolean }[];
  /** The body at head; older bodies stay on disk and are read on demand. */
  head?: StoredResource;
}

/**
 * The in-memory index of one mesh: for every key ever written, which revisions touched it,
 * plus head bodies and where each revision's record sits in the journal. Memory grows with
 * the number of writes (a few numbers each), not with the size of past bodies.
 */
export class MeshIndex {
  head = 0;
  readonly #locations: RecordLocation[] = [];
  readonly #entries = new Map<string, Entry>();
  /** Every key ever written, sorted; deleted keys stay because past revisions still show them. */
  readonly #order: string[] = [];

  current(key: ResourceKey): StoredResource | undefined {
    return this.#entries.get(sortKey(key))?.head;
  }

  location(revision: number): RecordLocation | undefined {
    return this.#locations[revision - 1];
  }

  /** Applies a record that is already durable; its revision must follow the head. */
  apply(record: CommitRecord, at: RecordLocation): void {
    if (record.revision !== this.head + 1) throw new Error(`revision ${record.revision} does not follow ${this.head}`);
    for (const change of record.changes) {
      const sk = sortKey(change);
      let entry = this.#entries.get(sk);
      if (!entry) {
        entry = { key: { kind: change.kind, namespace: change.namespace, name: change.name }, writes: [] };
        this.#entries.set(sk, entry);
        this.#order.splice(lowerBound(this.#order, sk), 0, sk);
      }
      const deleted = change.action === 'deleted';
      entry.writes.push({ revision: record.revision, deleted });
      entry.head = deleted ? undefined : change.resource;
    }
    this.#locations.push(at);
    this.head = record.revision;
  }

  /**
   * What `sk` looks like at `revision`: the head body when that is current, else the revision
   * whose record holds the body; undefined when the key is absent then.
   */
  visibleAt(sk: string, revision: number): { key: ResourceKey; body?: StoredResource; writtenAt: number } | undefined {
    const entry = this.#entries.get(sk);
    if (!entry) return undefined;
    const i = lastWriteAtOrBefore(entry.writes, revision);
    const write = i >= 0 ? entry.writes[i] : undefined;
    if (!write || write.deleted) return undefined;
    const isHead = i === entry.writes.length - 1;
    return { key: entry.key, body: isHead ? entry.head : undefined, writtenAt: write.revision };
  }

  /** Sort keys after `after` (exclusive), optionally only those starting with `prefix`. */
  *keys(after: string | undefined, prefix = ''): Generator<string> {
    const from = after !== undefined && after >= prefix ? upperBound(this.#order, after) : lowerBound(this.#order, prefix);
    for (let i = from; i < this.#order.length; i++) {
      const sk = this.#order[i]!;
      if (!sk.startsWith(prefix)) return;
      yield sk;
    }
  }
}

function lastWriteAtOrBefore(writes: { revision: number }[], revision: number): number {
  let lo = 0;
  let hi = writes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (writes[mid]!.revision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
