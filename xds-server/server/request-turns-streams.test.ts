import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { namesOf } from './testing/ads-client.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

describe('request slices with real streams', () => {
  let gate: Promise<void> = Promise.resolve();
  const resolving: string[] = [];
  // A node whose id starts with "slow" resolves only once the gate opens, as while its mesh loads from a slow store.
  const t = useTestServer({
    resolveNode: async (node) => {
      if (node.id.startsWith('slow')) {
        resolving.push(node.id);
        await gate;
      }
      return { proxyId: node.id, scope: node.cluster };
    },
  });

  it('answers a stream while 40 others wait for their nodes to resolve (a mesh loading from a slow store)', async () => {
    let openGate!: () => void;
    gate = new Promise<void>((resolve) => (openGate = resolve));
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const slow = Array.from({ length: 40 }, () => t.sotw());
    slow.forEach((s, i) => s.send({ node: { id: `slow-${i}`, cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL }));
    // Bounded: 40 first requests reach the server over loopback well within 200 polls.
    for (let i = 0; i < 200 && resolving.length < 40; i++) await new Promise((r) => setTimeout(r, 10));
    expect(resolving).toHaveLength(40);

    const fast = t.sotw();
    fast.send({ node: { id: 'fast', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    expect(namesOf(await fast.next())).toEqual(['a']);
    expect(t.server.events.connects.map((c) => c.proxyId)).toEqual(['fast']);

    openGate();
    const answers = await Promise.all(slow.map((s) => s.next()));
    expect(answers.map((a) => namesOf(a))).toEqual(Array.from({ length: 40 }, () => ['a']));
  });
});
