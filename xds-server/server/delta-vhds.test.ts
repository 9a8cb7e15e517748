import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/ports.ts';
import { ResourceCache } from '../cache/index.ts';
import { decodeResource, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL } from '../protos/index.ts';
import type { ResourceObject } from '../protos/index.ts';
import { splitRouteConfiguration, supportsVhds } from './delta-vhds.ts';
import { decodeAny, type DeltaResponseMessage, type TestStream } from './testing/ads-client.ts';
import { byName } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

const host = (name: string, cluster: string): ResourceObject => ({ name, domains: [name, `${name}:80`], routes: [{ name, match: { prefix: '/' }, route: { cluster } }] });
const rc = (name: string, hosts: ResourceObject[]): ResourceObject => ({ name, validate_clusters: { value: false }, virtual_hosts: hosts });
const envoy140 = { id: 'proxy-1', cluster: 'scope-v', user_agent_name: 'envoy', user_agent_build_version: { version: { major_number: 1, minor_number: 40, patch: 0 } } };
const names = (r: DeltaResponseMessage) => r.resources.map((x) => x.name).sort();
const ack = (stream: TestStream<DeltaResponseMessage>, r: DeltaResponseMessage) => stream.send({ type_url: r.type_url, response_nonce: r.nonce });

function cached(object: ResourceObject) {
  const cache = new ResourceCache();
  cache.setResources('s', ROUTE_TYPE_URL, byName([object]));
  return cache.resources('s', ROUTE_TYPE_URL).get(String(object['name']))!;
}

describe('route configurations in VHDS form', () => {
  it('moves every virtual host into a resource of its own, named after the configuration, and names VHDS over ADS instead', () => {
    const split = splitRouteConfiguration(cached(rc('80', [host('a', 'ca'), host('b', 'cb')])))!;
    const routeConfiguration = decodeResource(ROUTE_TYPE_URL, split.routeConfiguration.body);
    expect(routeConfiguration).toEqual({ name: '80', validate_clusters: { value: false }, vhds: { config_source: { ads: {}, resource_api_version: 'V3' } } });
    expect(split.virtualHosts.map((v) => v.name)).toEqual(['80/a', '80/b']);
    expect(decodeResource(VIRTUAL_HOST_TYPE_URL, split.virtualHosts[1]!.body)).toEqual({ ...host('b', 'cb'), name: '80/b' });
    // Make-before-break reads what each host needs (the clusters) and what the configuration needs (its hosts).
    expect(split.virtualHosts[0]!.references.map((r) => r.name).sort()).toEqual(['ca', 'cb']);
    expect(split.routeConfiguration.references).toEqual([
      { typeUrl: VIRTUAL_HOST_TYPE_URL, name: '80/a' },
      { typeUrl: VIRTUAL_HOST_TYPE_URL, name: '80/b' },
    ]);
  });

  it('keeps an unchanged host at its version when another host of the configuration changes', () => {
    const before = splitRouteConfiguration(cached(rc('80', [host('a', 'ca'), host('b', 'cb')])))!;
    const after = splitRouteConfiguration(cached(rc('80', [host('a', 'ca'), host('b', 'cc')])))!;
    expect(after.virtualHosts[0]!.version).toBe(before.virtualHosts[0]!.version);
    expect(after.virtualHosts[1]!.version).not.toBe(before.virtualHosts[1]!.version);
    // The configuration without its hosts is unchanged, and so is its version: it is not sent again.
    expect(after.routeConfiguration.version).toBe(before.routeConfiguration.version);
    expect(Buffer.from(after.routeConfiguration.body).equals(Buffer.from(before.routeConfiguration.body))).toBe(true);
  });

  it('leaves whole what Envoy could not take as VHDS: no hosts, a `/` in a name, duplicate or missing host names', () => {
    expect(splitRouteConfiguration(cached(rc('80', [])))).toBeUndefined();
    expect(splitRouteConfiguration(cached(rc('a/b', [host('a', 'ca')])))).toBeUndefined();
    expect(splitRouteConfiguration(cached(rc('80', [host('x/y', 'ca')])))).toBeUndefined();
    expect(splitRouteConfiguration(cached(rc('80', [host('a', 'ca'), host('a', 'cb')])))).toBeUndefined();
    expect(splitRouteConfiguration(cached(rc('80', [{ domains: ['*'], routes: [] }])))).toBeUndefined();
  });

  it('is offered to Envoy 1.40 and later only', () => {
    const build = (major: number, minor: number) => ({ user_agent_name: 'envoy', user_agent_build_version: { version: { major_number: major, minor_number: minor } } });
    expect(supportsVhds(build(1, 40))).toBe(true);
    expect(supportsVhds(build(1, 41))).toBe(true);
    expect(supportsVhds(build(2, 0))).toBe(true);
    expect(supportsVhds(build(1, 39))).toBe(false);
    expect(supportsVhds({ user_agent_name: 'grpc-node-js', user_agent_build_version: build(1, 40).user_agent_build_version })).toBe(false);
    expect(supportsVhds({ user_agent_name: 'envoy' })).toBe(false);
    expect(supportsVhds(undefined)).toBe(false);
  });
});

describe('VHDS over delta ADS', () => {
  const t = useTestServer();
  const open = t.delta;

  it('serves hosts only of configurations the proxy holds, one host per one-host change, and all hosts again after a configuration it did not hold', async () => {
    t.server.cache.setResources('scope-v', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca'), host('b', 'cb')]), rc('90', [host('c', 'cc')])]));
    const stream = open();
    stream.send({ node: envoy140, type_url: ROUTE_TYPE_URL, resource_names_subscribe: ['80'] });
    const routes = await stream.next();
    expect(decodeAny(routes.resources[0]!.resource)).toMatchObject({ name: '80', vhds: { config_source: { ads: {} } } });
    expect(decodeAny(routes.resources[0]!.resource)['virtual_hosts']).toBeUndefined();
    ack(stream, routes);
    // Envoy's VHDS subscription names nothing: every host, but only those of '80' are of use to it.
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL });
    const hosts = await stream.next();
    expect(names(hosts)).toEqual(['80/a', '80/b']);
    ack(stream, hosts);
    await stream.expectSilence();

    // A one-host change sends that host alone: the configuration without hosts did not change.
    t.server.cache.setResources('scope-v', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca'), host('b', 'cc')]), rc('90', [host('c', 'cc')])]));
    const change = await stream.next();
    expect({ type: change.type_url, names: names(change) }).toEqual({ type: VIRTUAL_HOST_TYPE_URL, names: ['80/b'] });
    ack(stream, change);
    await stream.expectSilence();

    // A configuration Envoy gets anew (here: dropped, then asked for again) waits for its hosts, even those sent before.
    stream.send({ type_url: ROUTE_TYPE_URL, resource_names_unsubscribe: ['80'] });
    await stream.expectSilence();
    stream.send({ type_url: ROUTE_TYPE_URL, resource_names_subscribe: ['80', '90'] });
    const again = await stream.next();
    expect(names(again)).toEqual(['80', '90']);
    ack(stream, again);
    const follow = await stream.next();
    expect({ type: follow.type_url, names: names(follow) }).toEqual({ type: VIRTUAL_HOST_TYPE_URL, names: ['80/a', '80/b', '90/c'] });
    ack(stream, follow);

    t.server.cache.setResources('scope-v', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca')]), rc('90', [host('c', 'cc')])]));
    const removal = await stream.next();
    expect({ type: removal.type_url, removed: removal.removed_resources }).toEqual({ type: VIRTUAL_HOST_TYPE_URL, removed: ['80/b'] });
  });

  it('shows virtual hosts in the proxy status as part of RDS: synced only when both are acknowledged, NACKED when a host is refused', async () => {
    t.server.cache.setResources('scope-v', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca')])]));
    const stream = open();
    stream.send({ node: envoy140, type_url: ROUTE_TYPE_URL, resource_names_subscribe: ['80'] });
    ack(stream, await stream.next());
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL });
    const hosts = await stream.next();
    await waitFor(() => t.server.ads.proxyStatus()[0]!.types.length === 1, 'both types in one status', 2000);
    const before = t.server.ads.proxyStatus()[0]!.types[0]!;
    expect(before).toMatchObject({ typeUrl: ROUTE_TYPE_URL });
    expect(before.versionAcked).not.toBe(before.versionSent);
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL, response_nonce: hosts.nonce, error_detail: { code: 3, message: 'bad host' } });
    await waitFor(() => t.server.ads.proxyStatus()[0]!.types[0]!.lastNack !== undefined, 'the NACK', 2000);
    const rds = t.server.ads.proxyStatus()[0]!.types[0]!;
    expect(rds.lastNack).toMatchObject({ message: 'bad host', version: rds.versionSent });
    expect(rds.resources['80/a']).toEqual({ sent: hosts.resources[0]!.version });
  });

  it("reports the cache's version of a configuration once its split form and every host are acknowledged, so a host-only change converges", async () => {
    t.server.cache.setResources('scope-v', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca'), host('b', 'cb')])]));
    const stream = open();
    stream.send({ node: envoy140, type_url: ROUTE_TYPE_URL, resource_names_subscribe: ['80'] });
    ack(stream, await stream.next());
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL });
    ack(stream, await stream.next());
    const cacheVersion = () => t.server.cache.resources('scope-v', ROUTE_TYPE_URL).get('80')!.version;
    const held = () => t.server.ads.proxyStatus()[0]!.types[0]!.resources['80'];
    await waitFor(() => held()?.acked === cacheVersion(), 'the first version acknowledged', 2000);

    t.server.cache.setResources('scope-v', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca'), host('b', 'cc')])]));
    const change = await stream.next();
    expect(names(change)).toEqual(['80/b']);
    // Sent, not yet acknowledged: the configuration is not in force at the cache's version.
    expect(held()).toEqual({ sent: cacheVersion(), acked: expect.not.stringMatching(cacheVersion()) });
    ack(stream, change);
    await waitFor(() => held()?.acked === cacheVersion(), 'the host-only change acknowledged', 2000);
    expect(held()).toEqual({ sent: cacheVersion(), acked: cacheVersion() });
  });

  it('keeps route configurations whole for a proxy that does not speak VHDS', async () => {
    t.server.cache.setResources('scope-v', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca')])]));
    const stream = open();
    stream.send({ node: { id: 'proxy-2', cluster: 'scope-v', user_agent_name: 'envoy', user_agent_build_version: { version: { major_number: 1, minor_number: 36 } } }, type_url: ROUTE_TYPE_URL, resource_names_subscribe: ['80'] });
    const routes = await stream.next();
    expect(decodeAny(routes.resources[0]!.resource)).toMatchObject({ name: '80', virtual_hosts: [{ name: 'a' }] });
    ack(stream, routes);
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL });
    await stream.expectSilence();
  });
});
