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
