import type { MeshIndex } from './mesh-model.ts';

/**
 * The value for `key`, built at most once per index and carried over from the previous
 * revision's index when the key (a digest of every input) is unchanged. Values are shared
 * between proxies, so callers never mutate them.
 */
export function memoized<T>(index: MeshIndex, key: string, build: () => T): T {
  if (index.memo.has(key)) return index.memo.get(key) as T;
  const value = index.previousMemo?.has(key) ? (index.previousMemo.get(key) as T) : build();
  index.memo.set(key, value);
  return value;
}

const ids = new WeakMap<object, number>();
let nextId = 0;

/**
 * A key naming these exact objects (by identity, not content): for a value built from memoised
 * pieces, which is unchanged exactly when every piece is the very same object.
 */
export function identityKey(objects: readonly object[]): string {
  return objects
    .map((o) => {
      let id = ids.get(o);
      if (id === undefined) {
        id = nextId++;
        ids.set(o, id);
      }
      return id.toString(36);
    })
    .join('.');
}

const perIndex = new WeakMap<MeshIndex, Map<string, unknown>>();

/**
 * The value for `key`, built at most once per index and never carried to the next revision's:
 * for values that depend on the whole mesh (a proxy group's translation), which `memoized` must not hold.
 */
export function memoizedInIndex<T>(index: MeshIndex, key: string, build: () => T): T {
  let memo = perIndex.get(index);
  if (!memo) {
    memo = new Map();
    perIndex.set(index, memo);
  }
  if (memo.has(key)) return memo.get(key) as T;
  const value = build();
  memo.set(key, value);
  return value;
}
