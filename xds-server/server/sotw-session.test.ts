import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../protos/index.ts';
import type { ResourceObject, XdsTypeUrl } from '../protos/index.ts';
import { decodeAny, namesOf, type AnyMessage, type SotwResponseMessage } from './testing/ads-client.ts';
import { byName, edsCluster, httpListener, loadAssignment, routeConfig, staticCluster } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

const node = { id: 'proxy-1', cluster: 'scope-a' };
const short = (typeUrl: string) => ({ [CLUSTER_TYPE_URL]: 'CDS', [ENDPOINT_TYPE_URL]: 'EDS', [LISTENER_TYPE_URL]: 'LDS', [ROUTE_TYPE_URL]: 'RDS' })[typeUrl] ?? typeUrl;

function decodeListenerRds(any: AnyMessage): string | undefined {
  const listener = decodeAny(any) as { filter_chains?: { filters?: { typed_config?: { rds?: { route_config_name?: string } } }[] }[] };
  return listener.filter_chains?.[0]?.filters?.[0]?.typed_config?.rds?.route_config_name;
}

describe('state-of-the-world ADS', () => {
  const t = useTestServer();
  const open = t.sotw;

  it('answers the initial wildcard request, records the ACK, and sends nothing more until content changes', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]));
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    expect(first).toMatchObject({ type_url: CLUSTER_TYPE_URL, control_plane: { identifier: 'test-control-plane' } });
    expect(namesOf(first).sort()).toEqual(['a', 'b']);
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: first.version_info, response_nonce: first.nonce });
    await stream.expectSilence();

    // Republishing identical content is not a change.
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]));
    await stream.expectSilence();
    const [status] = t.server.ads.proxyStatus();
    expect(status).toMatchObject({ proxyId: 'proxy-1', scope: 'scope-a', protocol: 'sotw', types: [{ typeUrl: CLUSTER_TYPE_URL, versionSent: first.version_info, versionAcked: first.version_info, lastNonce: first.nonce }] });
    expect(t.server.events.acks).toEqual([expect.objectContaining({ typeUrl: CLUSTER_TYPE_URL, version: first.version_info })]);

    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 3)]));
    const second = await stream.next();
    expect(second.version_info).not.toBe(first.version_info);
    expect(second.nonce).not.toBe(first.nonce);
  });

  it('records a NACK with Envoy’s message and does not resend the refused version; the next change goes out', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const good = await stream.next();
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: good.version_info, response_nonce: good.nonce });
    await stream.expectSilence();
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 9)]));
    const refused = await stream.next();
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: good.version_info, response_nonce: refused.nonce, error_detail: { code: 3, message: 'cluster a: bad port' } });
    await stream.expectSilence(300);

    const cds = t.server.ads.proxyStatus()[0]!.types[0]!;
    expect(cds).toMatchObject({ versionSent: refused.version_info, versionAcked: good.version_info, lastNack: { message: 'cluster a: bad port', code: 3, version: refused.version_info, nonce: refused.nonce } });
    expect(t.server.events.nacks).toEqual([expect.objectContaining({ rejectedVersion: refused.version_info, message: 'cluster a: bad port' })]);

    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 10)]));
    const fixed = await stream.next();
    expect(fixed.version_info).not.toBe(refused.version_info);
  });

  it('follows a changed cluster with its ClusterLoadAssignment, unchanged, so Envoy can finish warming it', async () => {
    const snapshot = (timeout: number) =>
      new Map<XdsTypeUrl, Map<string, Record<string, unknown>>>([
        [CLUSTER_TYPE_URL, byName([{ ...edsCluster('svc'), connect_timeout: { seconds: timeout } }, edsCluster('other')])],
        [ENDPOINT_TYPE_URL, byName([loadAssignment('svc', [{ host: '127.0.0.1', port: 2 }]), loadAssignment('other', [{ host: '127.0.0.1', port: 3 }])])],
      ]);
    t.server.cache.setSnapshot('scope-a', snapshot(1));
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const clusters = await stream.next();
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: clusters.version_info, response_nonce: clusters.nonce });
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['svc', 'other'] });
    const endpoints = await stream.next();
    stream.send({ type_url: ENDPOINT_TYPE_URL, version_info: endpoints.version_info, response_nonce: endpoints.nonce, resource_names: ['svc', 'other'] });
    await stream.expectSilence();

    t.server.cache.setSnapshot('scope-a', snapshot(2));
    const cds = await stream.next();
    expect([short(cds.type_url), namesOf(cds).sort()]).toEqual(['CDS', ['other', 'svc']]);
    const eds = await stream.next();
    // Only the changed cluster's endpoints: the unchanged cluster is not re-warmed by Envoy.
    expect([short(eds.type_url), namesOf(eds)]).toEqual(['EDS', ['svc']]);
  });

  it('ignores a request carrying a stale nonce', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1)]));
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 2)]));
    const second = await stream.next();
    // An answer to the first response arrives late: it must not count as a NACK of the current one.
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: '', response_nonce: first.nonce, error_detail: { message: 'old news' } });
    await stream.expectSilence();
    expect(t.server.events.nacks).toEqual([]);
    expect(t.server.ads.proxyStatus()[0]!.types[0]!.lastNonce).toBe(second.nonce);
  });

  it('remembers a subscription to an endpoint set that does not exist yet and sends it when it appears', async () => {
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([loadAssignment('other', [{ host: '127.0.0.1', port: 1 }])]));
    const stream = open();
    stream.send({ node, type_url: ENDPOINT_TYPE_URL, resource_names: ['svc'] });
    await stream.expectSilence();
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([loadAssignment('other', [{ host: '127.0.0.1', port: 1 }]), loadAssignment('svc', [{ host: '127.0.0.1', port: 2 }])]));
    const response = await stream.next();
    expect(namesOf(response)).toEqual(['svc']);
  });

  it('treats an ACK that repeats the names as no change, and a new name in the request as one', async () => {
    const cla = (name: string, port: number) => loadAssignment(name, [{ host: '127.0.0.1', port }]);
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([cla('a', 1), cla('b', 2)]));
    const stream = open();
    stream.send({ node, type_url: ENDPOINT_TYPE_URL, resource_names: ['a'] });
    const first = await stream.next();
    expect(namesOf(first)).toEqual(['a']);
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['a'], version_info: first.version_info, response_nonce: first.nonce });
    await stream.expectSilence();
    // Envoy names one more: it gets it, though the cache did not change.
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['a', 'b'], version_info: first.version_info, response_nonce: first.nonce });
    expect(namesOf(await stream.next())).toEqual(['b']);
  });

  it('sends only the route that changed, and the full cluster set without a removed cluster', async () => {
    t.server.cache.setSnapshot(
      'scope-a',
      new Map<XdsTypeUrl, Map<string, Record<string, unknown>>>([
        [CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)])],
        [ROUTE_TYPE_URL, byName([routeConfig('r1', [{ prefix: '/', cluster: 'a' }]), routeConfig('r2', [{ prefix: '/', cluster: 'b' }])])],
      ]),
    );
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const cds = await stream.next();
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: cds.version_info, response_nonce: cds.nonce });
    stream.send({ type_url: ROUTE_TYPE_URL, resource_names: ['r1', 'r2'] });
    const rds = await stream.next();
    expect(namesOf(rds).sort()).toEqual(['r1', 'r2']);
    stream.send({ type_url: ROUTE_TYPE_URL, version_info: rds.version_info, response_nonce: rds.nonce, resource_names: ['r1', 'r2'] });

    t.server.cache.setResources('scope-a', ROUTE_TYPE_URL, byName([routeConfig('r1', [{ prefix: '/', cluster: 'a' }]), routeConfig('r2', [{ prefix: '/x', cluster: 'b' }])]));
    const changed = await stream.next();
    expect(namesOf(changed)).toEqual(['r2']);
    stream.send({ type_url: ROUTE_TYPE_URL, version_info: changed.version_info, response_nonce: changed.nonce, resource_names: ['r1', 'r2'] });

    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('b', '127.0.0.1', 2)]));
    const removal = await stream.next();
    expect(removal.type_url).toBe(CLUSTER_TYPE_URL);
    expect(namesOf(removal)).toEqual(['b']);
  });

  it('orders a multi-type change make-before-break: the old cluster goes only after the new listener and route were taken up', async () => {
    const snapshot = (cluster: string) =>
      new Map<XdsTypeUrl, Map<string, Record<string, unknown>>>([
        [CLUSTER_TYPE_URL, byName([edsCluster(cluster)])],
        [ENDPOINT_TYPE_URL, byName([loadAssignment(cluster, [{ host: '127.0.0.1', port: 1 }])])],
        [LISTENER_TYPE_URL, byName([httpListener('l', 10001, `routes-${cluster}`)])],
        [ROUTE_TYPE_URL, byName([routeConfig(`routes-${cluster}`, [{ prefix: '/', cluster }])])],
      ]);
    t.server.cache.setSnapshot('scope-a', snapshot('old'));
    const stream = open();
    const log: string[] = [];
    const last = new Map<string, SotwResponseMessage>();
    const names = new Map<string, string[]>([[ENDPOINT_TYPE_URL, ['old']], [ROUTE_TYPE_URL, ['routes-old']]]);
    // Behaves as Envoy does: ACK each response, then ask for the endpoints and routes it names.
    const answer = (r: SotwResponseMessage) => {
      last.set(r.type_url, r);
      const got = namesOf(r).sort();
      log.push(`${short(r.type_url)} ${got.join(',')}`);
      stream.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names.get(r.type_url) ?? [] });
      const follow = r.type_url === CLUSTER_TYPE_URL ? ENDPOINT_TYPE_URL : r.type_url === LISTENER_TYPE_URL ? ROUTE_TYPE_URL : undefined;
      if (!follow) return;
      const wanted = r.type_url === CLUSTER_TYPE_URL ? got : r.resources.map((a) => String((decodeListenerRds(a) ?? '')));
      names.set(follow, wanted);
      const prev = last.get(follow);
      stream.send({ type_url: follow, version_info: prev?.version_info ?? '', response_nonce: prev?.nonce ?? '', resource_names: wanted });
    };
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    stream.send({ node, type_url: LISTENER_TYPE_URL });
    for (let i = 0; i < 4; i++) answer(await stream.next());
    log.length = 0;

    t.server.cache.setSnapshot('scope-a', snapshot('new'));
    for (let i = 0; i < 8 && !log.includes('CDS new'); i++) answer(await stream.next());
    expect(log.indexOf('CDS new,old')).toBe(0);
    expect(log.indexOf('RDS routes-new')).toBeGreaterThan(log.indexOf('LDS l'));
    expect(log.indexOf('CDS new')).toBeGreaterThan(log.indexOf('RDS routes-new'));
    expect(log).toContain('EDS new');
  });

  it('does not resend to a reconnecting proxy that already holds the current version', async () => {
    t.server.cache.setResources('scope-a', LISTENER_TYPE_URL, byName([httpListener('l', 10001, 'r')]));
    const first = open();
    first.send({ node, type_url: LISTENER_TYPE_URL });
    const lds = await first.next();
    first.close();
    // The server must have let go of the first stream, or its status would be read below.
    for (let i = 0; i < 200 && t.server.ads.proxyStatus().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.server.ads.proxyStatus()).toEqual([]);

    const again = open();
    again.send({ node, type_url: LISTENER_TYPE_URL, version_info: lds.version_info });
    await again.expectSilence();
    const types = t.server.ads.proxyStatus().find((p) => p.types.length > 0)!.types;
    expect(types[0]).toMatchObject({ versionSent: lds.version_info, versionAcked: lds.version_info });
  });

  it('versions endpoints by the served set and the names asked for: a reconnecting proxy that asks for more is sent them', async () => {
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([loadAssignment('a', [{ host: '127.0.0.1', port: 1 }]), loadAssignment('b', [{ host: '127.0.0.1', port: 2 }])]));
    const first = open();
    first.send({ node, type_url: ENDPOINT_TYPE_URL, resource_names: ['a'] });
    const onlyA = await first.next();
    first.send({ type_url: ENDPOINT_TYPE_URL, version_info: onlyA.version_info, response_nonce: onlyA.nonce, resource_names: ['a', 'b'] });
    const withB = await first.next();
    expect(withB.resources.map((r) => (decodeAny(r) as { cluster_name: string }).cluster_name)).toEqual(['b']);
    expect(withB.version_info).not.toBe(onlyA.version_info);
    first.close();
    for (let i = 0; i < 200 && t.server.ads.proxyStatus().length > 0; i++) await new Promise((r) => setTimeout(r, 10));

    // Holding the version of `a` alone, it asks for both again: both go out.
    const again = open();
    again.send({ node, type_url: ENDPOINT_TYPE_URL, version_info: onlyA.version_info, resource_names: ['a', 'b'] });
    const resent = await again.next();
    expect(resent.resources.map((r) => (decodeAny(r) as { cluster_name: string }).cluster_name).sort()).toEqual(['a', 'b']);
    expect(resent.version_info).toBe(withB.version_info);
    again.close();
    for (let i = 0; i < 200 && t.server.ads.proxyStatus().length > 0; i++) await new Promise((r) => setTimeout(r, 10));

    // Holding that version, with the same names, it is sent nothing.
    const third = open();
    third.send({ node, type_url: ENDPOINT_TYPE_URL, version_info: withB.version_info, resource_names: ['b', 'a'] });
    await third.expectSilence();
  });

  it('splices the same cached bytes into every stream instead of re-encoding per stream', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]));
    const before = t.server.cache.stats().encodes;
    const one = open();
    const two = open();
    one.send({ node, type_url: CLUSTER_TYPE_URL });
    two.send({ node: { ...node, id: 'proxy-2' }, type_url: CLUSTER_TYPE_URL });
    const [r1, r2] = await Promise.all([one.next(), two.next()]);
    expect(r1.version_info).toBe(r2.version_info);
    expect(r1.resources.map((r) => r.value.toString('hex'))).toEqual(r2.resources.map((r) => r.value.toString('hex')));
    const after = t.server.cache.stats().encodes;
    // Two Any wrappers in total (one per resource), no resource encoded again.
    expect(after).toEqual({ resources: before.resources, wrappers: before.wrappers + 2 });
    const a = t.server.cache.resources('scope-a', CLUSTER_TYPE_URL).get('a')!;
    expect(a.any).toBe(a.any);
  });

  it('refuses a proxy the owner rejects, with PERMISSION_DENIED', async () => {
    const stream = open();
    stream.send({ node: { id: 'deny-me', cluster: 'scope-a' }, type_url: CLUSTER_TYPE_URL });
    const status = await stream.ended;
    expect(status).toMatchObject({ code: 7, details: 'node deny-me is not allowed' });
    expect(t.server.ads.proxyStatus()).toEqual([]);
  });

  it('forgets a stream when the proxy goes away', async () => {
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    await new Promise((r) => setTimeout(r, 100));
    expect(t.server.ads.proxyStatus()).toHaveLength(1);
    stream.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.server.ads.proxyStatus()).toEqual([]);
    expect(t.server.events.disconnects).toEqual([expect.objectContaining({ proxyId: 'proxy-1', reason: expect.stringMatching(/^(end|cancelled)$/) })]);
  });

  it('sends a proxy on a layered scope no clusters when its shared base is rebuilt with equal content and another type changes', async () => {
    const group = (listenerPort: number) =>
      new Map<XdsTypeUrl, ReadonlyMap<string, ResourceObject>>([
        [CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', 1)])],
        [LISTENER_TYPE_URL, byName([httpListener('l', listenerPort, 'r')])],
      ]);
    t.server.cache.setSnapshot('group', group(10001));
    t.server.cache.setLayered('scope-a', 'group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('inbound', '127.0.0.1', 9)])]]));
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const clusters = await stream.next();
    expect(namesOf(clusters).sort()).toEqual(['inbound', 'shared']);
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: clusters.version_info, response_nonce: clusters.nonce });
    stream.send({ type_url: LISTENER_TYPE_URL });
    const listeners = await stream.next();
    stream.send({ type_url: LISTENER_TYPE_URL, version_info: listeners.version_info, response_nonce: listeners.nonce });
    t.server.cache.setSnapshot('group', group(10002));
    expect((await stream.next()).type_url).toBe(LISTENER_TYPE_URL);
    await stream.expectSilence();
  });
});
