import { describe, expect, it } from 'vitest';
import { CachedResource } from '../cache/cached-resource.ts';
import { LayeredMap } from '../cache/layered-map.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { KnownVersions, setDigest } from './known-versions.ts';

const counters = { resources: 0, wrappers: 0 };
const resource = (name: string, version: string) => new CachedResource(CLUSTER_TYPE_URL, name, version, new Uint8Array(), [], counters);

describe('KnownVersions', () => {
  it('digests a served map as it digests the same set held: equal for equal sets, different for another version, name or size', () => {
    const known = new KnownVersions([
      ['a', '1'],
      ['b', '2'],
    ]);
    const served = new Map([
      ['b', resource('b', '2')],
      ['a', resource('a', '1')],
    ]);
    expect(setDigest(served)).toBe(known.version());
    expect(setDigest(new Map([...served, ['a', resource('a', '3')]]))).not.toBe(known.version());
    expect(setDigest(new Map([['a', resource('a', '1')]]))).not.toBe(known.version());
    expect(setDigest(new Map([...served, ['c', resource('c', '1')]]))).not.toBe(known.version());
    expect(setDigest(new Map())).toBe(new KnownVersions().version());
  });

  it("digests a proxy's layered view from its base's digest as it digests the merged set, own resources overriding and adding", () => {
    const base = new Map([
      ['a', resource('a', '1')],
      ['b', resource('b', '2')],
    ]);
    const view = new LayeredMap(base, new Map([
      ['b', resource('b', '3')],
      ['c', resource('c', '1')],
    ]));
    const merged = new KnownVersions([
      ['a', '1'],
      ['b', '3'],
      ['c', '1'],
    ]);
    expect(setDigest(view)).toBe(merged.version());
    expect(setDigest(view)).toBe(setDigest(new Map(view)));
    expect(setDigest(new LayeredMap(base, new Map()))).toBe(setDigest(base));
  });

  it("takes a served resource's own hash for an initial version the scope serves, and hashes any other itself", () => {
    const a = resource('a', '1');
    const b = resource('b', '2');
    let shared = 0;
    for (const r of [a, b]) {
      const hash = r.entryHash;
      Object.defineProperty(r, 'entryHash', { get: () => (shared++, hash) });
    }
    const served = new Map([
      ['a', a],
      ['b', b],
    ]);
    // The proxy holds a at the served version, b at an older one, and c, which is no longer served.
    const initial: [string, string][] = [
      ['a', '1'],
      ['b', '1'],
      ['c', '7'],
    ];
    const known = new KnownVersions(initial, served);
    expect(shared).toBe(1);
    expect(known.version()).toBe(new KnownVersions(initial).version());
    expect([...known]).toEqual(initial);
  });

  it('gives the same digest however the set was built: names and versions, sent resources, or in another order', () => {
    const byName = new KnownVersions([
      ['a', '1'],
      ['b', '2'],
    ]);
    const bySend = new KnownVersions();
    bySend.setResource(resource('b', '2'));
    bySend.setResource(resource('a', '1'));
    expect(bySend.version()).toBe(byName.version());
    expect([...bySend].sort()).toEqual([...byName].sort());
  });

  it('changes its digest when a member, or a member\'s version, changes, and comes back when undone', () => {
    const known = new KnownVersions([['a', '1']]);
    const before = known.version();
    known.setResource(resource('a', '2'));
    const changed = known.version();
    expect(changed).not.toBe(before);
    known.set('a', '1');
    expect(known.version()).toBe(before);
    known.setResource(resource('b', '1'));
    expect(known.version()).not.toBe(before);
    known.delete('b');
    expect(known.version()).toBe(before);
    // Sending the version already held changes nothing.
    known.setResource(resource('a', '1'));
    expect(known.version()).toBe(before);
    expect(known.size).toBe(1);
  });

  it('counts a generation on every change to the set and on nothing else', () => {
    const known = new KnownVersions([['a', '1']]);
    const at = (expected: number) => expect(known.generation).toBe(expected);
    const start = known.generation;
    known.set('a', '1');
    known.setResource(resource('a', '1'));
    known.delete('missing');
    at(start);
    known.set('a', '2');
    at(start + 1);
    known.setResource(resource('b', '1'));
    at(start + 2);
    known.delete('b');
    at(start + 3);
    // Undone is still a change: the generation never comes back.
    known.set('a', '1');
    at(start + 4);
  });
});
