// A real Envoy (1.40) fed route configurations with many virtual hosts: over delta they go out
// as VHDS resources, one per host, and a change to one host sends that host only; over SotW the
// configuration stays whole. The harness fails the test on any init_fetch_timeout or rejection.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startEnvoy, type RunningEnvoy } from '../../test/support/envoy.ts';
import { freePort, waitFor } from '../../test/support/ports.ts';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL } from '../protos/index.ts';
import type { ResourceObject, XdsTypeUrl } from '../protos/index.ts';
import { vhdsView } from './delta-vhds.ts';
import { adsBootstrap } from './testing/envoy-bootstrap.ts';
import { byName, httpListener, staticCluster } from './testing/envoy-resources.ts';
import { startTestServer, type TestServer } from './testing/test-server.ts';
import { startUpstream } from './testing/upstream.ts';

const SCOPE = 'scope-vhds';
const SERVICES = 50;

/** A service's virtual host, shaped like translation's: a few header routes and a default. */
function serviceHost(i: number, cluster: string): ResourceObject {
  const host = `svc-${i}.shop.svc.cluster.local`;
  return {
    name: `${host}:80`,
    domains: [`svc-${i}`, `svc-${i}:80`, host, `${host}:80`],
    routes: [
      ...['canary', 'beta', 'debug'].map((h) => ({ name: `${host}-${h}`, match: { prefix: '/', headers: [{ name: `x-${h}`, present_match: true }] }, route: { cluster, timeout: { seconds: 5 } } })),
      { name: `${host}-default`, match: { prefix: '/' }, route: { cluster, timeout: { seconds: 15 }, retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable', num_retries: { value: 2 } } } },
    ],
  };
}

const ALLOW_ANY = { name: 'allow-any', domains: ['*'], routes: [{ name: 'allow-any', match: { prefix: '/' }, route: { cluster: 'svc-a' } }] };
const REGISTRY_ONLY = { name: 'unknown-host', domains: ['*'], routes: [{ name: 'unknown-host', match: { prefix: '/' }, direct_response: { status: 404, body: { inline_string: 'no such host' } } }] };

function routes(name: string, hosts: ResourceObject[], catchAll: ResourceObject = ALLOW_ANY): ResourceObject {
  return { name, virtual_hosts: [...hosts, catchAll] };
}

function get(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `HTTP ${res.statusCode}: ${body}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe.each(['DELTA_GRPC', 'GRPC'] as const)('route configurations to a real Envoy (%s)', (apiType) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  async function setup(): Promise<{ server: TestServer; envoy: RunningEnvoy; port: number; hosts: ResourceObject[] }> {
    const upstreams = await Promise.all(['from-a', 'from-b', 'from-c'].map((body) => startUpstream(body)));
    for (const u of upstreams) cleanup.push(() => u.close());
    const server = await startTestServer();
    cleanup.push(() => server.stop());
    const port = await freePort();
    const hosts = Array.from({ length: SERVICES }, (_, i) => serviceHost(i, 'svc-b'));
    hosts.push({ name: 'wild', domains: ['*.wild.test'], routes: [{ name: 'wild', match: { prefix: '/' }, route: { cluster: 'svc-c' } }] });
    server.cache.setSnapshot(
      SCOPE,
      new Map<XdsTypeUrl, Map<string, ResourceObject>>([
        [CLUSTER_TYPE_URL, byName(['a', 'b', 'c'].map((n, i) => staticCluster(`svc-${n}`, '127.0.0.1', upstreams[i]!.port)))],
        [LISTENER_TYPE_URL, byName([httpListener('outbound', port, 'outbound|http')])],
        [ROUTE_TYPE_URL, byName([routes('outbound|http', hosts)])],
      ]),
    );
    const adminPort = await freePort();
    const envoy = await startEnvoy(adsBootstrap({ nodeId: 'envoy-vhds', scope: SCOPE, adminPort, xdsPort: server.port, apiType }), adminPort);
    cleanup.push(() => envoy.stop());
    return { server, envoy, port, hosts };
  }

  /** Bytes of the resources each push since `mark` carried, by type. */
  function pushedBytes(server: TestServer, mark: number): Map<XdsTypeUrl, number> {
    const rds = server.cache.resources(SCOPE, ROUTE_TYPE_URL);
    const view = apiType === 'DELTA_GRPC' ? vhdsView(rds) : { routes: rds, virtualHosts: new Map() };
    const bytes = new Map<XdsTypeUrl, number>();
    for (const e of server.events.sent.slice(mark)) {
      const served = e.typeUrl === VIRTUAL_HOST_TYPE_URL ? view.virtualHosts : e.typeUrl === ROUTE_TYPE_URL ? view.routes : server.cache.resources(SCOPE, e.typeUrl);
      for (const r of e.resources) bytes.set(e.typeUrl, (bytes.get(e.typeUrl) ?? 0) + (served.get(r.name)?.deltaResource.length ?? Infinity));
    }
    return bytes;
  }

  it('routes the first request of every host, sends one host per one-host change, removes hosts, and warms a new route configuration', async () => {
    const { server, envoy, port, hosts } = await setup();
    // The first request after Envoy is ready: no 404 while hosts load (they come during warming).
    await waitFor(async () => (await envoy.admin('/ready')).includes('LIVE'), 'Envoy LIVE', 10_000).catch((err: unknown) => { throw new Error(`${String(err)}\n${envoy.logs()}\n${JSON.stringify(server.ads.proxyStatus())}`); });
    expect(await get(port, 'svc-7')).toBe('from-b');
    expect(await get(port, 'svc-7.shop.svc.cluster.local:80')).toBe('from-b');
    expect(await get(port, 'x.wild.test')).toBe('from-c');
    expect(await get(port, 'example.com')).toBe('from-a');
    const vhdsRequests = server.events.sent.filter((e) => e.typeUrl === VIRTUAL_HOST_TYPE_URL);
    expect(vhdsRequests.length > 0).toBe(apiType === 'DELTA_GRPC');

    // One host changes.
    await waitFor(() => server.ads.proxyStatus()[0]?.types.every((t) => t.versionAcked === t.versionSent) ?? false, 'all ACKed', 3000);
    let mark = server.events.sent.length;
    const changed = [...hosts];
    changed[7] = serviceHost(7, 'svc-c');
    server.cache.setResources(SCOPE, ROUTE_TYPE_URL, byName([routes('outbound|http', changed)]));
    await waitFor(async () => (await get(port, 'svc-7')) === 'from-c', 'the changed host', 5000);
    expect(await get(port, 'svc-8')).toBe('from-b');
    const bytes = pushedBytes(server, mark);
    const total = [...bytes.values()].reduce((a, b) => a + b, 0);
    const whole = server.cache.resources(SCOPE, ROUTE_TYPE_URL).get('outbound|http')!.deltaResource.length;
    expect(whole).toBeGreaterThan(5 * 1024);
    if (apiType === 'DELTA_GRPC') {
      // The route configuration without its hosts did not change: only the host goes out.
      expect(server.events.sent.slice(mark).flatMap((e) => e.resources.map((r) => `${e.typeUrl.split('.').pop()} ${r.name}`))).toEqual([
        'VirtualHost outbound|http/svc-7.shop.svc.cluster.local:80',
      ]);
      expect(total).toBeLessThan(1024);
    } else {
      expect(total).toBe(whole);
    }

    // The host goes away: its requests fall to the catch-all.
    mark = server.events.sent.length;
    server.cache.setResources(SCOPE, ROUTE_TYPE_URL, byName([routes('outbound|http', changed.filter((_, i) => i !== 7))]));
    await waitFor(async () => (await get(port, 'svc-7')) === 'from-a', 'the removed host', 5000).catch((err: unknown) => { throw new Error(`${String(err)} ${JSON.stringify(server.events.sent.slice(mark).map((e) => [e.typeUrl, e.resources, e.removed]))} ${JSON.stringify(server.events.nacks)} ${envoy.logs()}`); });
    expect(await get(port, 'svc-8')).toBe('from-b');
    if (apiType === 'DELTA_GRPC') expect(server.events.sent.slice(mark).flatMap((e) => (e.typeUrl === VIRTUAL_HOST_TYPE_URL ? e.removed : []))).toEqual(['outbound|http/svc-7.shop.svc.cluster.local:80']);

    // A second listener with a route configuration of its own, once Envoy already subscribes to
    // every virtual host: its hosts must follow it or Envoy waits out initial_fetch_timeout.
    const port2 = await freePort();
    // Published in one tick, so they go out as one push (listener, then its routes and their hosts).
    server.cache.setResources(SCOPE, ROUTE_TYPE_URL, byName([routes('outbound|http', changed.filter((_, i) => i !== 7)), routes('port-2', [serviceHost(1, 'svc-c')])]));
    server.cache.setResources(SCOPE, LISTENER_TYPE_URL, byName([httpListener('outbound', port, 'outbound|http'), httpListener('outbound-2', port2, 'port-2')]));
    await waitFor(async () => (await get(port2, 'svc-1').catch(() => '')) === 'from-c', 'the second listener', 5000);
    expect(await get(port2, 'svc-2')).toBe('from-a');
    expect(await get(port, 'svc-1')).toBe('from-b');
    expect(await envoy.stat('listener_manager.total_listeners_warming')).toBe(0);

    // The catch-all changes hands (outboundTrafficPolicy): `*` moves to another host in one step, never held twice.
    server.cache.setResources(SCOPE, ROUTE_TYPE_URL, byName([routes('outbound|http', changed.filter((_, i) => i !== 7), REGISTRY_ONLY), routes('port-2', [serviceHost(1, 'svc-c')])]));
    await waitFor(async () => (await get(port, 'example.com')) === 'HTTP 404: no such host', 'the new catch-all', 5000);
    expect(await get(port, 'svc-8')).toBe('from-b');
    expect(server.events.nacks).toEqual([]);
  });
});
