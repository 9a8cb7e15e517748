import { describe, expect, it } from 'vitest';
import { mergeSortedLines, typeVersion, versionLine, versionOfSortedLines } from './type-version.ts';

/** A small deterministic generator, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Names from a small alphabet (so base and layer overlap), some with the line separator in them. */
function entries(next: () => number, max: number): Record<string, string> {
  const out: Record<string, string> = {};
  const n = Math.floor(next() * max);
  for (let i = 0; i < n; i++) {
    const name = Array.from({ length: 1 + Math.floor(next() * 3) }, () => 'ab\u0000|z'[Math.floor(next() * 5)]).join('');
    out[name] = Math.floor(next() * 1e6).toString(36);
  }
  return out;
}

describe('type versions', () => {
  it('depend on the set alone, not its order, and change with any member or member version', () => {
    expect(typeVersion([['a', '1'], ['b', '2']])).toBe(typeVersion([['b', '2'], ['a', '1']]));
    expect(typeVersion([['a', '1'], ['b', '2']])).not.toBe(typeVersion([['a', '1'], ['b', '3']]));
    expect(typeVersion([['a', '1'], ['b', '2']])).not.toBe(typeVersion([['a', '1']]));
  });

  it("merging a layer's members into a base's sorted lines gives the version of the two read as one map", () => {
    const next = random(7);
    for (let run = 0; run < 500; run++) {
      const base = entries(next, 30);
      const top = entries(next, 4);
      const merged = { ...base, ...top };
      const baseLines = Object.entries(base).map(([n, v]) => versionLine(n, v)).sort();
      const lines = mergeSortedLines(baseLines, Object.entries(top), (name) => Object.hasOwn(base, name));
      expect(lines).toEqual(Object.entries(merged).map(([n, v]) => versionLine(n, v)).sort());
      expect(versionOfSortedLines(lines)).toBe(typeVersion(Object.entries(merged)));
    }
  });

  it('leaves the base lines it merges into untouched', () => {
    const base = [versionLine('a', '1'), versionLine('c', '3')];
    expect(mergeSortedLines(base, [['b', '2'], ['c', '4']], (name) => name === 'a' || name === 'c')).toEqual([versionLine('a', '1'), versionLine('b', '2'), versionLine('c', '4')]);
    expect(base).toEqual([versionLine('a', '1'), versionLine('c', '3')]);
  });
});
