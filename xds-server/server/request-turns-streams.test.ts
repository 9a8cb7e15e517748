import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { namesOf, openSotw, type SotwResponseMessage, type TestStream } from './testing/ads-client.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';
import { startTestServer, type TestServer } from './testing/test-server.ts';

describe('request slices with real streams', () => {
  let server: TestServer | undefined;
  const streams: TestStream<SotwResponseMessage>[] = [];
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await server?.stop();
  });

  it('answers a stream while 40 others wait for their nodes to resolve (a mesh loading from a slow store)', async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const resolving: string[] = [];
    server = await startTestServer({
      resolveNode: async (node) => {
        if (node.id.startsWith('slow')) {
          resolving.push(node.id);
          await gate;
        }
        return { proxyId: node.id, scope: node.cluster };
      },
    });
    server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const open = () => {
      const s = openSotw(server!.port);
      streams.push(s);
      return s;
    };
    const slow = Array.from({ length: 40 }, () => open());
    slow.forEach((s, i) => s.send({ node: { id: `slow-${i}`, cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL }));
    // Bounded: 40 first requests reach the server over loopback well within 200 polls.
    for (let i = 0; i < 200 && resolving.length < 40; i++) await new Promise((r) => setTimeout(r, 10));
    expect(resolving).toHaveLength(40);

    const fast = open();
    fast.send({ node: { id: 'fast', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    expect(namesOf(await fast.next())).toEqual(['a']);
    expect(server.events.connects.map((c) => c.proxyId)).toEqual(['fast']);

    openGate();
    const answers = await Promise.all(slow.map((s) => s.next()));
    expect(answers.map((a) => namesOf(a))).toEqual(Array.from({ length: 40 }, () => ['a']));
  });
});
