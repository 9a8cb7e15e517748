import { describe, expect, it } from 'vitest';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../protos/index.ts';
import type { XdsTypeUrl } from '../protos/index.ts';
import { decodeAny, type DeltaResponseMessage, type TestStream } from './testing/ads-client.ts';
import { byName, edsCluster, httpListener, loadAssignment, routeConfig, staticCluster } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

const node = { id: 'proxy-1', cluster: 'scope-a' };
const short = (typeUrl: string) => ({ [CLUSTER_TYPE_URL]: 'CDS', [ENDPOINT_TYPE_URL]: 'EDS', [LISTENER_TYPE_URL]: 'LDS', [ROUTE_TYPE_URL]: 'RDS' })[typeUrl] ?? typeUrl;
const versions = (r: DeltaResponseMessage) => Object.fromEntries(r.resources.map((x) => [x.name, x.version]));
const ack = (stream: TestStream<DeltaResponseMessage>, r: DeltaResponseMessage) => stream.send({ type_url: r.type_url, response_nonce: r.nonce });

describe('incremental (delta) ADS', () => {
  const t = useTestServer();
  const open = t.delta;

  it('sends per-resource versions, then only what changed, then removed_resources', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 2)]));
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    expect(first.resources.map((r) => r.name).sort()).toEqual(['a', 'b']);
    expect(first.resources.map((r) => decodeAny(r.resource)['name']).sort()).toEqual(['a', 'b']);
    const cached = t.server.cache.resources('scope-a', CLUSTER_TYPE_URL);
    expect(versions(first)).toEqual({ a: cached.get('a')!.version, b: cached.get('b')!.version });
    ack(stream, first);
    await stream.expectSilence();

    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('a', '127.0.0.1', 1), staticCluster('b', '127.0.0.1', 3)]));
    const update = await stream.next();
    expect(update.resources.map((r) => r.name)).toEqual(['b']);
    expect(update.removed_resources).toEqual([]);
    ack(stream, update);

    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('b', '127.0.0.1', 3)]));
    const removal = await stream.next();
    expect(removal).toMatchObject({ resources: [], removed_resources: ['a'] });
    ack(stream, removal);
    await stream.expectSilence();
    const cds = t.server.ads.proxyStatus()[0]!.types[0]!;
    expect(cds.resources).toEqual({ b: { sent: update.resources[0]!.version, acked: update.resources[0]!.version } });
    expect(cds.versionAcked).toBe(cds.versionSent);
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
    ack(stream, await stream.next());
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['svc', 'other'] });
    const endpoints = await stream.next();
    ack(stream, endpoints);
    await stream.expectSilence();

    t.server.cache.setSnapshot('scope-a', snapshot(2));
    const cds = await stream.next();
    expect([short(cds.type_url), cds.resources.map((r) => r.name)]).toEqual(['CDS', ['svc']]);
    const eds = await stream.next();
    expect([short(eds.type_url), versions(eds)]).toEqual(['EDS', { svc: versions(endpoints)['svc'] }]);
  });

  it('remembers subscriptions to names that do not exist yet; unsubscribe then resubscribe sends again', async () => {
    const stream = open();
    stream.send({ node, type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['svc'] });
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, new Map());
    await stream.expectSilence();
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([loadAssignment('svc', [{ host: '127.0.0.1', port: 2 }]), loadAssignment('other', [{ host: '127.0.0.1', port: 3 }])]));
    const r = await stream.next();
    expect(r.resources.map((x) => x.name)).toEqual(['svc']);
    ack(stream, r);
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_unsubscribe: ['svc'] });
    await stream.expectSilence();
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['svc'] });
    expect((await stream.next()).resources.map((x) => x.name)).toEqual(['svc']);
  });

  it('after a full push, sends of a changed map only what the proxy subscribed to, and removes only what it holds', async () => {
    const cla = (name: string, port: number) => loadAssignment(name, [{ host: '127.0.0.1', port }]);
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([cla('a', 1), cla('b', 2), cla('c', 3)]));
    const stream = open();
    stream.send({ node, type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: ['a', 'b'] });
    const first = await stream.next();
    expect(first.resources.map((x) => x.name).sort()).toEqual(['a', 'b']);
    ack(stream, first);
    await stream.expectSilence();
    // Changes only to what it did not subscribe to: nothing.
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([cla('a', 1), cla('b', 2), cla('c', 4), cla('d', 5)]));
    await stream.expectSilence();
    // One subscribed resource changes, another goes, an unsubscribed one goes too.
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([cla('a', 6), cla('d', 5)]));
    const update = await stream.next();
    expect(update.resources.map((x) => x.name)).toEqual(['a']);
    ack(stream, update);
    const removal = await stream.next();
    expect(removal).toMatchObject({ resources: [], removed_resources: ['b'] });
    ack(stream, removal);
    await stream.expectSilence();
  });

  it('on reconnect with initial_resource_versions sends only what differs and removes what is gone', async () => {
    t.server.cache.setResources('scope-a', CLUSTER_TYPE_URL, byName([staticCluster('same', '127.0.0.1', 1), staticCluster('changed', '127.0.0.1', 2)]));
    const cached = t.server.cache.resources('scope-a', CLUSTER_TYPE_URL);
    const stream = open();
    stream.send({
      node,
      type_url: CLUSTER_TYPE_URL,
      initial_resource_versions: { same: cached.get('same')!.version, changed: 'older-version', gone: 'whatever' },
    });
    const updates = await stream.next();
    expect(updates.resources.map((r) => r.name)).toEqual(['changed']);
    ack(stream, updates);
    const removal = await stream.next();
    expect(removal.removed_resources).toEqual(['gone']);
    ack(stream, removal);
    await stream.expectSilence();
  });

  it('records a NACK and does not resend the refused resource until it changes', async () => {
    t.server.cache.setResources('scope-a', ROUTE_TYPE_URL, byName([routeConfig('r', [{ prefix: '/', cluster: 'a' }])]));
    const stream = open();
    stream.send({ node, type_url: ROUTE_TYPE_URL, resource_names_subscribe: ['r'] });
    const good = await stream.next();
    ack(stream, good);
    await stream.expectSilence();
    t.server.cache.setResources('scope-a', ROUTE_TYPE_URL, byName([routeConfig('r', [{ regex: '(', cluster: 'a' }])]));
    const bad = await stream.next();
    stream.send({ type_url: ROUTE_TYPE_URL, response_nonce: bad.nonce, error_detail: { code: 3, message: 'invalid regex' } });
    await stream.expectSilence(300);
    const rds = t.server.ads.proxyStatus()[0]!.types[0]!;
    expect(rds.lastNack).toMatchObject({ message: 'invalid regex', nonce: bad.nonce });
    expect(rds.resources['r']).toEqual({ sent: bad.resources[0]!.version, acked: good.resources[0]!.version });
    t.server.cache.setResources('scope-a', ROUTE_TYPE_URL, byName([routeConfig('r', [{ prefix: '/fixed', cluster: 'a' }])]));
    expect((await stream.next()).resources.map((x) => x.name)).toEqual(['r']);
  });

  it('ignores the ACK part of an unknown nonce but keeps its subscription changes', async () => {
    t.server.cache.setResources('scope-a', ENDPOINT_TYPE_URL, byName([loadAssignment('x', [{ host: '127.0.0.1', port: 1 }])]));
    const stream = open();
    stream.send({ node, type_url: ENDPOINT_TYPE_URL, response_nonce: 'not-ours', error_detail: { message: 'no' }, resource_names_subscribe: ['x'] });
    expect((await stream.next()).resources.map((x) => x.name)).toEqual(['x']);
    expect(t.server.events.nacks).toEqual([]);
  });

  it('orders a multi-type change make-before-break on the wire', async () => {
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
    // Behaves as Envoy does: ACK, then subscribe to the endpoints and routes the new resources name.
    const answer = (r: DeltaResponseMessage) => {
      const added = r.resources.map((x) => x.name).sort();
      log.push(`${short(r.type_url)} ${added.join(',')}${r.removed_resources.length ? ` -${r.removed_resources.join(',')}` : ''}`);
      ack(stream, r);
      if (r.type_url === CLUSTER_TYPE_URL && added.length) stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: added });
      if (r.type_url === CLUSTER_TYPE_URL && r.removed_resources.length) stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names_unsubscribe: r.removed_resources });
      if (r.type_url === LISTENER_TYPE_URL && added.length) {
        const routeName = (decodeAny(r.resources[0]!.resource) as { filter_chains: { filters: { typed_config: { rds: { route_config_name: string } } }[] }[] }).filter_chains[0]!.filters[0]!.typed_config.rds.route_config_name;
        stream.send({ type_url: ROUTE_TYPE_URL, resource_names_subscribe: [routeName] });
      }
    };
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    stream.send({ type_url: LISTENER_TYPE_URL });
    for (let i = 0; i < 4; i++) answer(await stream.next());
    expect(log.sort()).toEqual(['CDS old', 'EDS old', 'LDS l', 'RDS routes-old']);
    log.length = 0;

    t.server.cache.setSnapshot('scope-a', snapshot('new'));
    for (let i = 0; i < 8 && !log.includes('CDS  -old'); i++) answer(await stream.next());
    expect(log[0]).toBe('CDS new');
    expect(log.indexOf('LDS l')).toBeGreaterThan(0);
    expect(log.indexOf('RDS routes-new')).toBeGreaterThan(log.indexOf('LDS l'));
    expect(log.indexOf('CDS  -old')).toBeGreaterThan(log.indexOf('RDS routes-new'));
  });

  it('supports an explicit "*" wildcard and ignores types it does not serve', async () => {
    t.server.cache.setResources('scope-a', LISTENER_TYPE_URL, byName([httpListener('l1', 10001, 'r')]));
    const stream = open();
    stream.send({ node, type_url: 'type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration', resource_names_subscribe: ['x'] });
    stream.send({ type_url: LISTENER_TYPE_URL, resource_names_subscribe: ['*'] });
    const first = await stream.next();
    expect(first.resources.map((r) => r.name)).toEqual(['l1']);
    ack(stream, first);
    t.server.cache.setResources('scope-a', LISTENER_TYPE_URL, byName([httpListener('l1', 10001, 'r'), httpListener('l2', 10002, 'r')]));
    expect((await stream.next()).resources.map((r) => r.name)).toEqual(['l2']);
    expect(t.server.ads.proxyStatus()[0]!.types).toEqual([expect.objectContaining({ typeUrl: LISTENER_TYPE_URL, wildcard: true })]);
  });

  it('ends a stream that subscribes past the per-type bound with RESOURCE_EXHAUSTED', async () => {
    const stream = open();
    stream.send({ node, type_url: ENDPOINT_TYPE_URL, resource_names_subscribe: Array.from({ length: 10_001 }, (_, i) => `e${i}`) });
    expect(await stream.ended).toMatchObject({ code: 8 });
    expect(t.server.events.disconnects).toEqual([expect.objectContaining({ reason: 'limit' })]);
    expect(t.server.ads.proxyStatus()).toEqual([]);
  });

  it("sends a proxy on a layered scope only what changed of the shared base, never its own resources again, and keeps a shared name its own side overrides", async () => {
    const group = (port: number, extra: boolean) => new Map<XdsTypeUrl, ReadonlyMap<string, Record<string, unknown>>>([[CLUSTER_TYPE_URL, byName([staticCluster('shared', '127.0.0.1', port), ...(extra ? [staticCluster('inbound', '127.0.0.1', 1)] : [])])]]);
    t.server.cache.setSnapshot('group', group(1, true));
    t.server.cache.setLayered('scope-a', 'group', new Map([[CLUSTER_TYPE_URL, byName([staticCluster('inbound', '127.0.0.1', 9)])]]));
    const stream = open();
    stream.send({ node, type_url: CLUSTER_TYPE_URL });
    const first = await stream.next();
    expect(versions(first)).toEqual({ shared: expect.any(String), inbound: t.server.cache.resources('scope-a', CLUSTER_TYPE_URL).get('inbound')!.version });
    ack(stream, first);
    // The base changes its own cluster and drops the one the proxy overrides: only the first reaches the proxy.
    t.server.cache.setSnapshot('group', group(2, false));
    const update = await stream.next();
    expect([Object.keys(versions(update)), update.removed_resources]).toEqual([['shared'], []]);
    ack(stream, update);
    await stream.expectSilence();
  });
});
