/**
 * Two immutable maps read as one: `top` wins over `base` on equal keys. A proxy's scope is its
 * group's shared resources (base) plus what only it needs (top: its inbound listener and cluster),
 * served without copying the shared map per proxy.
 */
export class LayeredMap<V> implements ReadonlyMap<string, V> {
  private count: number | undefined;

  constructor(
    readonly base: ReadonlyMap<string, V>,
    readonly top: ReadonlyMap<string, V>,
  ) {}

  get size(): number {
    if (this.count === undefined) {
      let n = this.base.size;
      for (const key of this.top.keys()) if (!this.base.has(key)) n++;
      this.count = n;
    }
    return this.count;
  }

  get(key: string): V | undefined {
    return this.top.get(key) ?? this.base.get(key);
  }

  has(key: string): boolean {
    return this.top.has(key) || this.base.has(key);
  }

  *entries(): MapIterator<[string, V]> {
    for (const entry of this.base) if (!this.top.has(entry[0])) yield entry;
    yield* this.top.entries();
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}
