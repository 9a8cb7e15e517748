import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL, decodeResource, encodeResource, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../protos/index.ts';
import type { XdsTypeUrl } from '../protos/index.ts';
import { byName, edsCluster, httpListener, loadAssignment, routeConfig, staticCluster } from '../server/testing/envoy-resources.ts';
import { ResourceCache, type ScopeChange } from './resource-cache.ts';

function watched(cache: ResourceCache, scope: string): ScopeChange[] {
  const changes: ScopeChange[] = [];
  cache.watch(scope, (c) => changes.push(c));
  return changes;
}

describe('ResourceCache', () => {
  it('versions each resource by content: republishing the same content changes nothing and notifies no one', () => {
    const cache = new ResourceCache();
    const changes = watched(cache, 's');
    cache.setResources('s', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]));
    const first = cache.resources('s', CLUSTER_TYPE_URL);
    const result = cache.setResources('s', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]));
    expect(result.changedTypes).toEqual([]);
    expect(changes).toHaveLength(1);
    expect(cache.resources('s', CLUSTER_TYPE_URL).get('a')).toBe(first.get('a'));

    cache.setResources('s', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 3)]));
    const after = cache.resources('s', CLUSTER_TYPE_URL);
    expect(after.get('a')).toBe(first.get('a'));
    expect(after.get('b')!.version).not.toBe(first.get('b')!.version);
    expect(changes.map((c) => [...c.changedTypes])).toEqual([[CLUSTER_TYPE_URL], [CLUSTER_TYPE_URL]]);
  });

  it('encodes a snapshot ahead in pieces, stopping when told to; publishing it then encodes nothing and still reports what is invalid', () => {
    const issues: unknown[] = [];
    const cache = new ResourceCache({ onIssue: (i) => issues.push(i) });
    const bad = { ...staticCluster('bad', '127.0.0.1', 9), lb_polcy: 'x' };
    const snapshot = new Map<XdsTypeUrl, ReadonlyMap<string, Record<string, unknown>>>([
      [CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), bad, staticCluster('b', '127.0.0.1', 2)])],
      [ENDPOINT_TYPE_URL, byName([loadAssignment('a', [{ host: '127.0.0.1', port: 1 }])])],
    ]);
    // Told to stop after every encoding: one resource per call.
    let calls = 0;
    while (!cache.encodeAhead(snapshot, () => true)) calls++;
    expect(calls).toBe(4);
    expect(cache.stats().encodes.resources).toBe(4);
    // Nothing left: done at once, however soon it is told to stop.
    expect(cache.encodeAhead(snapshot, () => true)).toBe(true);
    expect(issues).toEqual([]);

    const result = cache.setSnapshot('s', snapshot);
    expect(cache.stats().encodes.resources).toBe(4);
    expect(result.issues).toEqual([expect.objectContaining({ kind: 'invalid-resource', name: 'bad' })]);
    expect([...cache.resources('s', CLUSTER_TYPE_URL).keys()]).toEqual(['a', 'b']);
    expect(decodeResource(ENDPOINT_TYPE_URL, cache.resources('s', ENDPOINT_TYPE_URL).get('a')!.body)).toMatchObject({ cluster_name: 'a' });
  });

  it('skips and reports a bad resource, serves the rest, and keeps the last good version of the bad one', () => {
    const issues: unknown[] = [];
    const cache = new ResourceCache({ onIssue: (i) => issues.push(i) });
    cache.setResources('s', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const good = cache.resources('s', CLUSTER_TYPE_URL).get('a');
    const result = cache.setResources('s', CLUSTER_TYPE_URL, byName([{ ...staticCluster('a', '127.0.0.1', 1), lb_polcy: 'x' }, staticCluster('b', '127.0.0.1', 2)]));
    expect(result.issues).toEqual([expect.objectContaining({ kind: 'invalid-resource', name: 'a', errors: [{ path: 'lb_polcy', message: expect.any(String) }] })]);
    expect(issues).toEqual(result.issues);
    expect([...cache.resources('s', CLUSTER_TYPE_URL).keys()]).toEqual(['a', 'b']);
    expect(cache.resources('s', CLUSTER_TYPE_URL).get('a')).toBe(good);
  });

  it('takes the very same input map again as unchanged without looking inside, and a new map with one change as a change', () => {
    const cache = new ResourceCache();
    const changes = watched(cache, 's');
    const input = byName([staticCluster('a', '127.0.0.1', 1)]);
    cache.setResources('s', CLUSTER_TYPE_URL, input);
    const served = cache.resources('s', CLUSTER_TYPE_URL);
    expect(cache.setResources('s', CLUSTER_TYPE_URL, input).changedTypes).toEqual([]);
    expect(cache.resources('s', CLUSTER_TYPE_URL)).toBe(served);
    // Another scope given the same map gets it served too (the shortcut is per scope).
    cache.setResources('t', CLUSTER_TYPE_URL, input);
    expect([...cache.resources('t', CLUSTER_TYPE_URL).keys()]).toEqual(['a']);
    expect(cache.setResources('s', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 2)])).changedTypes).toEqual([CLUSTER_TYPE_URL]);
    expect(changes).toHaveLength(2);
  });

  it('reports a resource whose map key differs from its own name', () => {
    const cache = new ResourceCache();
    const result = cache.setResources('s', CLUSTER_TYPE_URL, new Map([['x', staticCluster('a', '127.0.0.1', 1)]]));
    expect(result.issues).toEqual([expect.objectContaining({ kind: 'name-mismatch', name: 'x' })]);
    expect(cache.resources('s', CLUSTER_TYPE_URL).size).toBe(0);
  });

  it('checks the snapshot: EDS names of clusters and RDS names of listeners must be published', () => {
    const cache = new ResourceCache();
    const result = cache.setSnapshot(
      's',
      new Map<XdsTypeUrl, Map<string, Record<string, unknown>>>([
        [CLUSTER_TYPE_URL, byName([edsCluster('svc'), edsCluster('other')])],
        [ENDPOINT_TYPE_URL, byName([loadAssignment('svc', [{ host: '127.0.0.1', port: 1 }])])],
        [LISTENER_TYPE_URL, byName([httpListener('l', 1, 'routes')])],
      ]),
    );
    expect(result.issues.map((i) => i.message)).toEqual([
      'CDS "other" needs EDS "other", which is not published',
      'LDS "l" needs RDS "routes", which is not published',
    ]);
    expect(cache.resources('s', LISTENER_TYPE_URL).size).toBe(1);
    const fixed = cache.setResources('s', ROUTE_TYPE_URL, byName([routeConfig('routes', [{ prefix: '/', cluster: 'svc' }])]));
    expect(fixed.issues.map((i) => i.name)).toEqual(['other']);
  });

  it('shares one encoded copy of identical resources across scopes, encoding equal content once even when built apart, and wire wrappers once', () => {
    const cache = new ResourceCache();
    cache.setResources('a', CLUSTER_TYPE_URL, byName([staticCluster('c', '127.0.0.1', 1)]));
    cache.setResources('b', CLUSTER_TYPE_URL, byName([staticCluster('c', '127.0.0.1', 1)]));
    const inA = cache.resources('a', CLUSTER_TYPE_URL).get('c')!;
    expect(cache.resources('b', CLUSTER_TYPE_URL).get('c')).toBe(inA);
    expect(inA.any).toBe(inA.any);
    expect(inA.deltaResource).toBe(inA.deltaResource);
    expect(cache.stats()).toMatchObject({ scopes: 2, distinctResources: 1, encodes: { resources: 1, wrappers: 2 } });

    cache.removeScope('a');
    expect(cache.stats().distinctResources).toBe(1);
    cache.removeScope('b');
    expect(cache.stats().distinctResources).toBe(0);
  });

  it('tells watchers of a removed scope that every type changed', () => {
    const cache = new ResourceCache();
    cache.setResources('s', LISTENER_TYPE_URL, new Map());
    const changes = watched(cache, 's');
    cache.removeScope('s');
    expect(changes.map((c) => [...c.changedTypes])).toEqual([[LISTENER_TYPE_URL]]);
    expect(cache.isPublished('s', LISTENER_TYPE_URL)).toBe(false);
  });

  it('serves a layered scope as its base plus its own resources, and tells it about changes of either', () => {
    const cache = new ResourceCache();
    const changes = watched(cache, 'proxy-1');
    cache.setSnapshot('group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 1)])], [LISTENER_TYPE_URL, new Map()]]));
    cache.setLayered('proxy-1', 'group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('inbound', '127.0.0.1', 9)])]]));
    const first = cache.resources('proxy-1', CLUSTER_TYPE_URL);
    expect([...first.keys()].sort()).toEqual(['inbound', 'shared']);
    expect(first.size).toBe(2);
    expect(cache.isPublished('proxy-1', LISTENER_TYPE_URL)).toBe(true);
    // The shared resource is the group's own object: held and encoded once.
    expect(first.get('shared')).toBe(cache.resources('group', CLUSTER_TYPE_URL).get('shared'));
    // Served maps never change once returned: a change gives a new one.
    cache.setSnapshot('group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 2)])]]));
    expect(first.get('shared')!.version).not.toBe(cache.resources('proxy-1', CLUSTER_TYPE_URL).get('shared')!.version);
    expect(changes.map((c) => [...c.changedTypes])).toEqual([[CLUSTER_TYPE_URL], [CLUSTER_TYPE_URL]]);
    expect(cache.versionOf(first)).toBe(cache.versionOf(first));
    expect(cache.versionOf(first)).not.toBe(cache.versionOf(cache.resources('proxy-1', CLUSTER_TYPE_URL)));

    cache.removeScope('proxy-1');
    expect(cache.resources('proxy-1', CLUSTER_TYPE_URL).size).toBe(0);
    // The group lives on for its other members.
    expect(cache.resources('group', CLUSTER_TYPE_URL).size).toBe(1);
  });

  it('tells a layered scope moved to another base that every type of either base changed, and serves the new base under its own side', () => {
    const cache = new ResourceCache();
    cache.setSnapshot('base-a', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 1)])], [ROUTE_TYPE_URL, byName([routeConfig('r', [])])]]));
    cache.setSnapshot('base-b', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 2)])]]));
    const own = () => new Map<XdsTypeUrl, ReturnType<typeof byName>>([[CLUSTER_TYPE_URL, byName([staticCluster('inbound', '127.0.0.1', 9)])]]);
    cache.setLayered('proxy-1', 'base-a', own());
    const changes = watched(cache, 'proxy-1');
    const moved = cache.setLayered('proxy-1', 'base-b', new Map());
    expect(new Set(moved.changedTypes)).toEqual(new Set([CLUSTER_TYPE_URL, ROUTE_TYPE_URL]));
    expect(changes.map((c) => new Set(c.changedTypes))).toEqual([new Set([CLUSTER_TYPE_URL, ROUTE_TYPE_URL])]);
    expect([...cache.resources('proxy-1', CLUSTER_TYPE_URL).keys()].sort()).toEqual(['inbound', 'shared']);
    expect(cache.resources('proxy-1', CLUSTER_TYPE_URL).get('shared')).toBe(cache.resources('base-b', CLUSTER_TYPE_URL).get('shared'));
    expect(cache.resources('proxy-1', ROUTE_TYPE_URL).size).toBe(0);
    // The old base no longer reaches it; the new one does.
    cache.setSnapshot('base-a', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 3)])]]));
    expect(changes).toHaveLength(1);
    cache.setSnapshot('base-b', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 4)])]]));
    expect(changes).toHaveLength(2);
  });

  it("versions a proxy's layered view by its content alone: as the same set held in one map", () => {
    const cache = new ResourceCache();
    cache.setSnapshot('group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 1)])]]));
    cache.setLayered('proxy-1', 'group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('inbound', '127.0.0.1', 9)])]]));
    const view = cache.resources('proxy-1', CLUSTER_TYPE_URL);
    expect(cache.versionOf(view)).toBe(cache.versionOf(new Map(view)));
    // Also when its own side replaces a resource of the group's, around the others in name order.
    cache.setSnapshot('group', new Map([[CLUSTER_TYPE_URL, byName(['a', 'm', 'shared', 'z'].map((n, i) => staticCluster(n, '127.0.0.1', i + 1)))]]));
    cache.setLayered('proxy-1', 'group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('m', '127.0.0.1', 99), staticCluster('inbound', '127.0.0.1', 9)])]]));
    const over = cache.resources('proxy-1', CLUSTER_TYPE_URL);
    expect([...over.keys()].sort()).toEqual(['a', 'inbound', 'm', 'shared', 'z']);
    expect(cache.versionOf(over)).toBe(cache.versionOf(new Map(over)));
    expect(cache.versionOf(over)).not.toBe(cache.versionOf(cache.resources('group', CLUSTER_TYPE_URL)));
  });

  it("keeps serving a layered scope's unchanged types as the very same map when its own side is republished unchanged", () => {
    const cache = new ResourceCache();
    cache.setSnapshot('group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 1)])], [LISTENER_TYPE_URL, new Map()]]));
    const own = () => new Map<XdsTypeUrl, ReadonlyMap<string, Record<string, unknown>>>([[CLUSTER_TYPE_URL, byName([staticCluster('inbound', '127.0.0.1', 9)])], [LISTENER_TYPE_URL, new Map()]]);
    cache.setLayered('proxy-1', 'group', own());
    const before = cache.resources('proxy-1', CLUSTER_TYPE_URL);
    // Equal content built apart (a new translation of the same inbound side): nothing changed.
    expect(cache.setLayered('proxy-1', 'group', own()).changedTypes).toEqual([]);
    expect(cache.resources('proxy-1', CLUSTER_TYPE_URL)).toBe(before);
    // A change of the proxy's own side gives a new map.
    cache.setLayered('proxy-1', 'group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('inbound', '127.0.0.1', 10)])]]));
    const after = cache.resources('proxy-1', CLUSTER_TYPE_URL);
    expect(after).not.toBe(before);
    expect(after.get('inbound')!.version).not.toBe(before.get('inbound')!.version);
  });

  it('serves scopes that publish the very same input one shared map, holding its resources until the last of them goes', () => {
    const cache = new ResourceCache();
    const input = byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]);
    cache.setResources('group-1', CLUSTER_TYPE_URL, input);
    const changes = watched(cache, 'group-2');
    expect(cache.setResources('group-2', CLUSTER_TYPE_URL, input).changedTypes).toEqual([CLUSTER_TYPE_URL]);
    expect(changes).toHaveLength(1);
    expect(cache.resources('group-2', CLUSTER_TYPE_URL)).toBe(cache.resources('group-1', CLUSTER_TYPE_URL));
    cache.removeScope('group-1');
    expect(cache.stats().distinctResources).toBe(2);
    expect([...cache.resources('group-2', CLUSTER_TYPE_URL).keys()]).toEqual(['a', 'b']);
    // Moving to a shared map that drops one resource lets go of it; the last scope going frees the rest.
    const smaller = byName([staticCluster('a', '127.0.0.1', 1)]);
    cache.setResources('group-3', CLUSTER_TYPE_URL, smaller);
    expect(cache.setResources('group-2', CLUSTER_TYPE_URL, smaller).changedTypes).toEqual([CLUSTER_TYPE_URL]);
    expect(cache.stats().distinctResources).toBe(1);
    cache.removeScope('group-2');
    cache.removeScope('group-3');
    expect(cache.stats().distinctResources).toBe(0);
  });

  it('serves the same input again after every scope that held its map went (a proxy that restarts alone in its group)', () => {
    const cache = new ResourceCache();
    const input = byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]);
    cache.setResources('group-1', CLUSTER_TYPE_URL, input);
    cache.removeScope('group-1');
    expect(cache.stats().distinctResources).toBe(0);
    expect(cache.setResources('group-1', CLUSTER_TYPE_URL, input).changedTypes).toEqual([CLUSTER_TYPE_URL]);
    expect([...cache.resources('group-1', CLUSTER_TYPE_URL).keys()]).toEqual(['a', 'b']);
    expect(cache.stats().distinctResources).toBe(2);
    // The map made afresh is shared again, and freed again with its last scope.
    cache.setResources('group-2', CLUSTER_TYPE_URL, input);
    expect(cache.resources('group-2', CLUSTER_TYPE_URL)).toBe(cache.resources('group-1', CLUSTER_TYPE_URL));
    cache.removeScope('group-1');
    cache.removeScope('group-2');
    expect(cache.stats().distinctResources).toBe(0);
  });

  it("does not share a map in which a bad resource was skipped: each scope keeps its own last good version", () => {
    const cache = new ResourceCache();
    cache.setResources('group-1', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const bad = new Map([['a', { name: 'a', connect_timeout: 'not a duration' }]]);
    cache.setResources('group-1', CLUSTER_TYPE_URL, bad);
    const issues = cache.setResources('group-2', CLUSTER_TYPE_URL, bad).issues;
    expect(issues.map((i) => i.kind)).toEqual(['invalid-resource']);
    expect(cache.resources('group-1', CLUSTER_TYPE_URL).get('a')).toBeDefined();
    expect(cache.resources('group-2', CLUSTER_TYPE_URL).size).toBe(0);
  });

  it('encodes what listeners binding different addresses share once, and serves each the same listener as a whole encoding', () => {
    const cache = new ResourceCache();
    const at = (address: string) => ({ ...httpListener('inbound', 15006, 'inbound'), address: { socket_address: { address, port_value: 15006 } } });
    cache.setResources('replica-1', LISTENER_TYPE_URL, byName([at('10.0.0.1')]));
    cache.setResources('replica-2', LISTENER_TYPE_URL, byName([at('10.0.0.2')]));
    const one = cache.resources('replica-1', LISTENER_TYPE_URL).get('inbound')!;
    const two = cache.resources('replica-2', LISTENER_TYPE_URL).get('inbound')!;
    expect(one.version).not.toBe(two.version);
    for (const [served, address] of [[one, '10.0.0.1'], [two, '10.0.0.2']] as const) {
      expect(decodeResource(LISTENER_TYPE_URL, served.body)).toEqual(decodeResource(LISTENER_TYPE_URL, encodeResource(LISTENER_TYPE_URL, at(address))));
    }
    // Both start with the very same bytes: everything but the address, encoded once.
    const { address: _address, ...rest } = at('10.0.0.1');
    const shared = encodeResource(LISTENER_TYPE_URL, rest);
    expect(Buffer.from(one.body.subarray(0, shared.byteLength)).equals(Buffer.from(shared))).toBe(true);
    expect(Buffer.from(two.body.subarray(0, shared.byteLength)).equals(Buffer.from(shared))).toBe(true);
  });

  it('reports a listener whose shared part or address is bad, with the field path, and serves nothing of it', () => {
    const cache = new ResourceCache();
    const badRest = { ...httpListener('l', 15006, 'r'), per_connection_buffer_limit_bytes: 'lots' };
    const badAddress = { ...httpListener('m', 15006, 'r'), address: { socket_address: { address: '10.0.0.1', port_value: 'x' } } };
    const result = cache.setResources('s', LISTENER_TYPE_URL, byName([badRest, badAddress]));
    expect(result.issues.map((i) => [i.name, i.kind])).toEqual([
      ['l', 'invalid-resource'],
      ['m', 'invalid-resource'],
    ]);
    expect(result.issues.map((i) => i.errors?.[0]?.path)).toEqual(['per_connection_buffer_limit_bytes', 'address.socket_address.port_value']);
    expect(cache.resources('s', LISTENER_TYPE_URL).size).toBe(0);
  });

  it('encodes a resource object once, however many scopes publish it', () => {
    const cache = new ResourceCache();
    const shared = staticCluster('a', '127.0.0.1', 1);
    for (let i = 0; i < 5; i++) cache.setResources(`scope-${i}`, CLUSTER_TYPE_URL, new Map([['a', shared]]));
    expect(cache.stats().encodes.resources).toBe(1);
    expect(cache.stats().distinctResources).toBe(1);
  });
});
