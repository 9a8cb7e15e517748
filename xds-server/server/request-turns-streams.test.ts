import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { namesOf } from './testing/ads-client.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

describe('request slices with real streams', () => {
  let gate: Promise<void> = Promise.resolve();
  const resolving: string[] = [];
  let heavyDone = 0;
  // A node whose id starts with "slow" resolves only once the gate opens, as while its mesh loads from
  // a slow store; one starting with "heavy" then spends 15 ms in a turn, as when it translates its group.
  const t = useTestServer({
    resolveNode: async (node) => {
      if (node.id.startsWith('slow') || node.id.startsWith('heavy')) {
        resolving.push(node.id);
        await gate;
      }
      if (node.id.startsWith('heavy')) {
        await t.server.ads.inTurn(() => {
          const until = performance.now() + 15;
          while (performance.now() < until);
          heavyDone++;
        });
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

  it('runs the heavy work that handlers resume with together (every proxy of a mesh once it loaded) one slice at a time, so timers run in between', async () => {
    let openGate!: () => void;
    gate = new Promise<void>((resolve) => (openGate = resolve));
    resolving.length = 0;
    heavyDone = 0;
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const heavy = Array.from({ length: 20 }, () => t.sotw());
    heavy.forEach((s, i) => s.send({ node: { id: `heavy-${i}`, cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL }));
    for (let i = 0; i < 200 && resolving.length < 20; i++) await new Promise((r) => setTimeout(r, 10));
    expect(resolving).toHaveLength(20);

    openGate();
    // All 20 resume in one microtask drain; in turns, a timer due at once runs after the first slice.
    const doneWhenTimerRan = await new Promise<number>((resolve) => setTimeout(() => resolve(heavyDone), 0));
    expect(doneWhenTimerRan).toBeGreaterThan(0);
    expect(doneWhenTimerRan).toBeLessThan(4);
    const answers = await Promise.all(heavy.map((s) => s.next(5000)));
    expect(answers.map((a) => namesOf(a))).toEqual(Array.from({ length: 20 }, () => ['a']));
    expect(heavyDone).toBe(20);
  });
});
