import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { namesOf, openDelta, openSotw } from './testing/ads-client.ts';
import { byName, staticCluster } from './testing/envoy-resources.ts';
import { startTestServer, type TestServer } from './testing/test-server.ts';

const clusters = (port: number) => byName([staticCluster('a', '127.0.0.1', port), staticCluster('b', '127.0.0.1', 2)]);

describe('responses shared by streams of one scope', () => {
  let server: TestServer;
  const streams: { close(): void }[] = [];
  const sotw = () => {
    const s = openSotw(server.port);
    streams.push(s);
    return s;
  };
  const delta = () => {
    const s = openDelta(server.port);
    streams.push(s);
    return s;
  };
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await server.stop();
  });

  it('state of the world: proxies of a scope get one response (same nonce and version); each ACK counts for its own stream', async () => {
    server.cache.setResources('scope-a', CLUSTER_TYPE_URL, clusters(1));
    const [one, two] = [sotw(), sotw()];
    one.send({ node: { id: 'p1', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    two.send({ node: { id: 'p2', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    const [r1, r2] = await Promise.all([one.next(), two.next()]);
    expect(r2.nonce).toBe(r1.nonce);
    expect(r2.version_info).toBe(r1.version_info);
    expect(namesOf(r1).sort()).toEqual(['a', 'b']);
    one.send({ type_url: CLUSTER_TYPE_URL, version_info: r1.version_info, response_nonce: r1.nonce });
    two.send({ type_url: CLUSTER_TYPE_URL, version_info: r2.version_info, response_nonce: r2.nonce });
    for (let i = 0; i < 200 && server.events.acks.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.events.acks.map((a) => a.proxyId).sort()).toEqual(['p1', 'p2']);
    expect(server.ads.proxyStatus().map((p) => p.types[0]?.versionAcked)).toEqual([r1.version_info, r1.version_info]);

    // A change is one new response for both, with a new nonce.
    server.cache.setResources('scope-a', CLUSTER_TYPE_URL, clusters(3));
    const [c1, c2] = await Promise.all([one.next(), two.next()]);
    expect(c2.nonce).toBe(c1.nonce);
    expect(c1.nonce).not.toBe(r1.nonce);
    expect(c1.version_info).not.toBe(r1.version_info);
  });

  it('delta: fresh streams share the first response of a wildcard type; one that reconnects holding part of it gets its own', async () => {
    server.cache.setResources('scope-a', CLUSTER_TYPE_URL, clusters(1));
    const [one, two] = [delta(), delta()];
    one.send({ node: { id: 'p1', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    two.send({ node: { id: 'p2', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    const [r1, r2] = await Promise.all([one.next(), two.next()]);
    expect(r2.nonce).toBe(r1.nonce);
    expect(r1.resources.map((r) => r.name).sort()).toEqual(['a', 'b']);

    const held = r1.resources.find((r) => r.name === 'b')!;
    const back = delta();
    back.send({ node: { id: 'p3', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL, initial_resource_versions: { b: held.version } });
    const r3 = await back.next();
    expect(r3.resources.map((r) => r.name)).toEqual(['a']);
    expect(r3.nonce).not.toBe(r1.nonce);
  });
});
