import { LayeredMap, type CachedResource } from '../cache/index.ts';
import { entryHash } from '../cache/entry-hash.ts';

/**
 * Name → version a delta stream's proxy holds, with an order-independent digest of the whole set
 * kept up to date on every change (XOR of each entry's hash), so the version of the set costs
 * nothing per push however many resources the proxy holds.
 */
export class KnownVersions {
  private readonly entries: Map<string, string>;
  private a = 0;
  private b = 0;
  #generation = 0;

  /**
   * `served`: what the stream's scope serves now. An initial version that is the served one takes
   * the resource's own name and hash (every stream of the scope shares them), so a reconnecting
   * proxy's hundreds of held versions are neither hashed nor kept as strings of its own.
   */
  constructor(initial: Iterable<[string, string]> = [], served?: ReadonlyMap<string, CachedResource>) {
    this.entries = new Map();
    for (const [name, version] of initial) {
      const resource = served?.get(name);
      if (resource?.version === version) this.setResource(resource);
      else this.set(name, version);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(name: string): string | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  keys(): MapIterator<string> {
    return this.entries.keys();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries.entries();
  }

  set(name: string, version: string): void {
    this.put(name, version, entryHash(name, version));
  }

  /** Records that the proxy was sent `resource`, with the hash the resource keeps for every stream. */
  setResource(resource: CachedResource): void {
    this.put(resource.name, resource.version, resource.entryHash);
  }

  private put(name: string, version: string, [x, y]: readonly [number, number]): void {
    const old = this.entries.get(name);
    if (old === version) return;
    if (old !== undefined) this.toggle(name, old);
    this.#generation++;
    this.entries.set(name, version);
    this.a = (this.a ^ x) >>> 0;
    this.b = (this.b ^ y) >>> 0;
  }

  delete(name: string): void {
    const old = this.entries.get(name);
    if (old === undefined) return;
    this.#generation++;
    this.entries.delete(name);
    this.toggle(name, old);
  }

  /** Counts the changes to the set: unchanged means no member or version changed (a number, no string built). */
  get generation(): number {
    return this.#generation;
  }

  /** Changes exactly when a member or a member's version does (up to 64-bit hash collisions). */
  version(): string {
    return `${this.entries.size.toString(36)}.${this.a.toString(36)}.${this.b.toString(36)}`;
  }

  private toggle(name: string, version: string): void {
    const [x, y] = entryHash(name, version);
    this.a = (this.a ^ x) >>> 0;
    this.b = (this.b ^ y) >>> 0;
  }
}

interface Digest {
  size: number;
  a: number;
  b: number;
}

const digests = new WeakMap<ReadonlyMap<string, CachedResource>, Digest>();

function digestOf(served: ReadonlyMap<string, CachedResource>): Digest {
  let digest = digests.get(served);
  if (digest === undefined) {
    let size = served.size;
    let a = 0;
    let b = 0;
    const toggle = ([x, y]: readonly [number, number]) => {
      a ^= x;
      b ^= y;
    };
    if (served instanceof LayeredMap) {
      // A proxy's view: its group's base (digested once, for every proxy on it) with its own few
      // resources toggled in, and what they override toggled out.
      const base = digestOf(served.base);
      ({ size, a, b } = base);
      for (const [name, resource] of served.top as ReadonlyMap<string, CachedResource>) {
        const under = (served.base as ReadonlyMap<string, CachedResource>).get(name);
        if (under) toggle(under.entryHash);
        else size++;
        toggle(resource.entryHash);
      }
    } else {
      for (const resource of served.values()) toggle(resource.entryHash);
    }
    digest = { size, a: a >>> 0, b: b >>> 0 };
    digests.set(served, digest);
  }
  return digest;
}

/** What `KnownVersions.version()` would be for the set a served map holds; computed once per map (served maps never change). */
export function setDigest(served: ReadonlyMap<string, CachedResource>): string {
  const { size, a, b } = digestOf(served);
  return `${size.toString(36)}.${a.toString(36)}.${b.toString(36)}`;
}
