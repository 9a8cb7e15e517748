import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, type ResourceObject, type XdsTypeUrl } from '../protos/index.ts';
import { byName, edsCluster, loadAssignment, staticCluster } from './testing/envoy-resources.ts';
import { decodeAny, type AnyMessage } from './testing/ads-client.ts';
import { useTestServer } from './testing/use-test-server.ts';

const node = { id: 'proxy-1', cluster: 'scope-a' };
const cluster = (port: number) => byName([staticCluster('a', '127.0.0.1', port)]);
/** The port of the one endpoint of a static cluster as sent. */
const portOf = (any: AnyMessage) => JSON.stringify(decodeAny(any)).match(/"port_?[vV]alue":(\d+)/)?.[1];

describe('one response of a type in flight per stream', () => {
  const t = useTestServer();

  it('state of the world: versions published while the proxy has not answered go out as one, the latest, after its ACK', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, cluster(1));
    const stream = t.sotw();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, cluster(2));
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, cluster(3));
    await stream.expectSilence(300);
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: first.version_info, response_nonce: first.nonce });
    const next = await stream.next();
    expect(next.resources.map((r) => portOf(r))).toEqual(['3']);
    expect(next.version_info).toBe(t.server.cache.versionOf(t.server.cache.resources('scope-a', CLUSTER_TYPE_URL)));
    await stream.expectSilence();
  });

  it('state of the world: a NACK is an answer too; the newer version follows it', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, cluster(1));
    const stream = t.sotw();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, cluster(2));
    await stream.expectSilence();
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: '', response_nonce: first.nonce, error_detail: { message: 'refused' } });
    expect((await stream.next()).resources.map((r) => portOf(r))).toEqual(['2']);
    expect(t.server.events.nacks).toHaveLength(1);
  });

  it('delta: the changes made while the proxy has not answered go out in one response after its ACK', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 1)]));
    const stream = t.delta();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 2), staticCluster('b', '127.0.0.1', 1)]));
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 3), staticCluster('c', '127.0.0.1', 1)]));
    await stream.expectSilence(300);
    stream.send({ type_url: CLUSTER_TYPE_URL, response_nonce: first.nonce });
    const next = await stream.next();
    expect(next.resources.map((r) => [r.name, portOf(r.resource)]).sort()).toEqual([['a', '3'], ['c', '1']]);
    // Removals go after the updates (make-before-break), in the same push: no second wait.
    const removal = await stream.next();
    expect([removal.resources, removal.removed_resources]).toEqual([[], ['b']]);
    await stream.expectSilence();
  });

  it('does not hold back a name the proxy newly subscribed to (a new cluster warming) while its last endpoints await an answer', async () => {
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([loadAssignment('a', [{ host: '127.0.0.1', port: 1 }]), loadAssignment('b', [{ host: '127.0.0.1', port: 2 }])]));
    const stream = t.delta();
    stream.send({ node, type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['a'] });
    expect((await stream.next()).resources.map((r) => r.name)).toEqual(['a']);
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['b'] });
    expect((await stream.next(1000)).resources.map((r) => r.name)).toEqual(['b']);
  });

  it('does not hold back the endpoints Envoy warms a cluster with: they follow a cluster update even while the last endpoints await an answer', async () => {
    t.server.cache.setSnapshot('scope-a', new Map([
      [CLUSTER_TYPE_URL, byName([edsCluster('svc')])],
      [ENDPOINT_TYPE_URL, byName([loadAssignment('svc', [{ host: '127.0.0.1', port: 1 }])])],
    ]));
    const stream = t.delta();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const cds = await stream.next();
    stream.send({ type_url: CLUSTER_TYPE_URL, response_nonce: cds.nonce });
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['svc'] });
    const eds = await stream.next();
    expect(eds.type_url).toBe(ENDPOINT_TYPE_URL);
    // The endpoints are not answered yet when the cluster changes: its load assignment goes again, in the same push.
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([{ ...edsCluster('svc'), connect_timeout: { seconds: 7 } }]));
    const [cluster, endpoints] = [await stream.next(), await stream.next()];
    expect([cluster.type_url, endpoints.type_url]).toEqual([CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL]);
    expect(endpoints.resources.map((r) => r.name)).toEqual(['svc']);
  });
});

describe('endpoints wait with the cluster update they warm', () => {
  const t = useTestServer();
  const snapshot = (timeout: number, port: number) =>
    new Map<XdsTypeUrl, ReadonlyMap<string, ResourceObject>>([
      [CLUSTER_TYPE_URL, byName([{ ...edsCluster('a'), connect_timeout: { seconds: timeout } }, edsCluster('b')])],
      [ENDPOINT_TYPE_URL, byName([loadAssignment('a', [{ host: '127.0.0.1', port: 1 }]), loadAssignment('b', [{ host: '127.0.0.1', port }])])],
    ]);

  it('delta: while a cluster update waits for the answer to the last one, changed endpoints wait too, and both go out once after it', async () => {
    t.server.cache.setSnapshot('scope-a', snapshot(1, 1));
    const stream = t.delta();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const cds = await stream.next();
    stream.send({ type_url: CLUSTER_TYPE_URL, response_nonce: cds.nonce });
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['a', 'b'] });
    const eds = await stream.next();
    stream.send({ type_url: ENDPOINT_TYPE_URL, response_nonce: eds.nonce });
    // Envoy answers a cluster update once the clusters are warm: not yet.
    t.server.cache.setSnapshot('scope-a', snapshot(2, 1));
    const [cluster, warming] = [await stream.next(), await stream.next()];
    expect([cluster.type_url, warming.type_url]).toEqual([CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL]);
    stream.send({ type_url: ENDPOINT_TYPE_URL, response_nonce: warming.nonce });
    // Still unanswered: another cluster change and an endpoint change of the other cluster.
    t.server.cache.setSnapshot('scope-a', snapshot(3, 2));
    await stream.expectSilence(300);
    stream.send({ type_url: CLUSTER_TYPE_URL, response_nonce: cluster.nonce });
    const [next, endpoints] = [await stream.next(), await stream.next()];
    expect([next.type_url, next.resources.map((r) => r.name)]).toEqual([CLUSTER_TYPE_URL, ['a']]);
    // The warming re-send of a and the change of b, in one response.
    expect([endpoints.type_url, endpoints.resources.map((r) => r.name).sort()]).toEqual([ENDPOINT_TYPE_URL, ['a', 'b']]);
    await stream.expectSilence();
  });
});

describe('one response of a type in flight, for a proxy that does not answer', () => {
  const t = useTestServer({ limits: { maxAnswerWaitMs: 300 } });

  it('sends the newer version once the wait is over, and ignores a late answer to the older response', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, cluster(1));
    const stream = t.sotw();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    const sentAt = performance.now();
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, cluster(2));
    const second = await stream.next(3000);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(250);
    expect(second.resources.map((r) => portOf(r))).toEqual(['2']);
    // An answer to the first response arrives late: it must not count as a NACK of the current one.
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: '', response_nonce: first.nonce, error_detail: { message: 'old news' } });
    await stream.expectSilence();
    expect(t.server.events.nacks).toEqual([]);
    expect(t.server.ads.proxyStatus()[0]!.types[0]!.lastNonce).toBe(second.nonce);
  });
});
