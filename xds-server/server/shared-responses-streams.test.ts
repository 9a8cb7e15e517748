import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { namesOf } from './testing/ads-client.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

const clusters = (port: number) => byName([staticCluster('a', '127.0.0.1', port), staticCluster('b', '127.0.0.1', 2)]);
const node = (id: string) => ({ id, cluster: 'scope-a' });

describe('responses shared by streams of one scope', () => {
  const t = useTestServer();

  it('state of the world: proxies of a scope get one response (same nonce and version); each ACK counts for its own stream', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, clusters(1));
    const [one, two] = [t.sotw(), t.sotw()];
    one.send({ node: node('p1'), type_url: CLUSTER_TYPE_URL });
    two.send({ node: node('p2'), type_url: CLUSTER_TYPE_URL });
    const [r1, r2] = await Promise.all([one.next(), two.next()]);
    expect(r2.nonce).toBe(r1.nonce);
    expect(r2.version_info).toBe(r1.version_info);
    expect(namesOf(r1).sort()).toEqual(['a', 'b']);
    one.send({ type_url: CLUSTER_TYPE_URL, version_info: r1.version_info, response_nonce: r1.nonce });
    two.send({ type_url: CLUSTER_TYPE_URL, version_info: r2.version_info, response_nonce: r2.nonce });
    for (let i = 0; i < 200 && t.server.events.acks.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.server.events.acks.map((a) => a.proxyId).sort()).toEqual(['p1', 'p2']);
    expect(t.server.ads.proxyStatus().map((p) => p.types[0]?.versionAcked)).toEqual([r1.version_info, r1.version_info]);

    // A change is one new response for both, with a new nonce.
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, clusters(3));
    const [c1, c2] = await Promise.all([one.next(), two.next()]);
    expect(c2.nonce).toBe(c1.nonce);
    expect(c1.nonce).not.toBe(r1.nonce);
    expect(c1.version_info).not.toBe(r1.version_info);
  });

  it('delta: fresh streams share the first response of a wildcard type; one that reconnects holding part of it gets its own', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, clusters(1));
    const [one, two] = [t.delta(), t.delta()];
    one.send({ node: node('p1'), type_url: CLUSTER_TYPE_URL });
    two.send({ node: node('p2'), type_url: CLUSTER_TYPE_URL });
    const [r1, r2] = await Promise.all([one.next(), two.next()]);
    expect(r2.nonce).toBe(r1.nonce);
    expect(r1.resources.map((r) => r.name).sort()).toEqual(['a', 'b']);

    const held = r1.resources.find((r) => r.name === 'b')!;
    const back = t.delta();
    back.send({ node: node('p3'), type_url: CLUSTER_TYPE_URL, initial_resource_versions: { b: held.version } });
    const r3 = await back.next();
    expect(r3.resources.map((r) => r.name)).toEqual(['a']);
    expect(r3.nonce).not.toBe(r1.nonce);
  });
});
