// A real Envoy talking ADS to the server, fed hand-written resources.
import { afterEach, describe, expect, it } from 'vitest';
import { startEnvoy, type RunningEnvoy } from '../../test/support/envoy.ts';
import { freePort, waitFor } from '../../test/support/ports.ts';
import type { ResourceCache } from '../cache/index.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL } from '../protos/index.ts';
import type { XdsTypeUrl } from '../protos/index.ts';
import { adsBootstrap } from './testing/envoy-bootstrap.ts';
import { byName, edsCluster, httpListener, loadAssignment, routeConfig, staticCluster, type TestRoute } from './testing/envoy-resources.ts';
import { startTestServer, type TestServer } from './testing/test-server.ts';
import type { AdsTransportOptions } from './listen.ts';
import { httpGet, startUpstream, type Upstream } from './testing/upstream.ts';

const SCOPE = 'scope-envoy';
const ALL_TYPES: XdsTypeUrl[] = [CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL];

describe.each(['GRPC', 'DELTA_GRPC'] as const)('a real Envoy over ADS (%s)', (apiType) => {
  // Over delta, Envoy 1.40 gets its routes' virtual hosts through VHDS (server/delta-vhds.ts): a
  // change to a host alone sends that host, not its route configuration.
  const routeTypes: XdsTypeUrl[] = apiType === 'DELTA_GRPC' ? [VIRTUAL_HOST_TYPE_URL] : [ROUTE_TYPE_URL];
  const isRouteOf = (e: { typeUrl: string; resources: readonly { name: string }[] }, rc: string) =>
    apiType === 'DELTA_GRPC' ? e.typeUrl === VIRTUAL_HOST_TYPE_URL && e.resources.some((r) => r.name.startsWith(`${rc}/`)) : e.typeUrl === ROUTE_TYPE_URL && e.resources.some((r) => r.name === rc);
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  async function setup(transport?: Partial<AdsTransportOptions>): Promise<{ server: TestServer; envoy: RunningEnvoy; a: Upstream; b: Upstream; listenerPort: number; publishRoute: (routes: TestRoute[]) => void; get: () => Promise<string> }> {
    const a = await startUpstream('from-a');
    cleanup.push(() => a.close());
    const b = await startUpstream('from-b');
    cleanup.push(() => b.close());
    const server = await startTestServer(transport ? { transport } : {});
    cleanup.push(() => server.stop());
    const listenerPort = await freePort();
    server.cache.setSnapshot(
      SCOPE,
      new Map<XdsTypeUrl, Map<string, Record<string, unknown>>>([
        [CLUSTER_TYPE_URL, byName([edsCluster('svc-a'), staticCluster('svc-b', '127.0.0.1', b.port)])],
        [ENDPOINT_TYPE_URL, byName([loadAssignment('svc-a', [{ host: '127.0.0.1', port: a.port }])])],
        [LISTENER_TYPE_URL, byName([httpListener('ingress', listenerPort, 'routes')])],
        [ROUTE_TYPE_URL, byName([routeConfig('routes', [{ prefix: '/', cluster: 'svc-a' }])])],
      ]),
    );
    const adminPort = await freePort();
    const envoy = await startEnvoy(adsBootstrap({ nodeId: 'envoy-1', scope: SCOPE, adminPort, xdsPort: server.port, apiType }), adminPort);
    cleanup.push(() => envoy.stop());
    const get = async () => (await httpGet(`http://127.0.0.1:${listenerPort}/`)).body;
    const publishRoute = (routes: TestRoute[]) => server.cache.setResources(SCOPE, ROUTE_TYPE_URL, byName([routeConfig('routes', routes)]));
    return { server, envoy, a, b, listenerPort, publishRoute, get };
  }

  const allAcked = (server: TestServer) => {
    const proxy = server.ads.proxyStatus().find((p) => p.proxyId === 'envoy-1');
    return !!proxy && ALL_TYPES.every((t) => proxy.types.some((s) => s.typeUrl === t && s.versionSent !== '' && s.versionAcked === s.versionSent));
  };

  it('routes traffic, applies a route update, shows ACKs, and keeps the last good route after a NACK', async () => {
    const { server, envoy, publishRoute, get } = await setup();
    await waitFor(async () => (await get()) === 'from-a', 'traffic through Envoy to upstream a', 8000);
    await waitFor(() => allAcked(server), 'ACKs for every type', 3000);

    publishRoute([{ prefix: '/', cluster: 'svc-b' }]);
    await waitFor(async () => (await get()) === 'from-b', 'the route update', 5000);

    publishRoute([{ regex: '(', cluster: 'svc-a' }]);
    await waitFor(() => server.events.nacks.length > 0, 'a NACK from Envoy', 5000);
    const rds = server.ads.proxyStatus()[0]!.types.find((t) => t.typeUrl === ROUTE_TYPE_URL)!;
    // RE2 explains the regex it could not compile.
    expect(rds.lastNack?.message, envoy.logs()).toContain('missing )');
    expect(rds.versionAcked).not.toBe(rds.lastNack?.version);
    expect(await get()).toBe('from-b');
    // The refused version is not pushed again.
    const sentBefore = server.events.sent.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(server.events.sent.length).toBe(sentBefore);
  });

  it("answers the server's keepalive pings: one xDS connection through 20 ping rounds, nothing dropped", async () => {
    const { server, envoy, get } = await setup({ keepaliveTimeMs: 100, keepaliveTimeoutMs: 3000 });
    await waitFor(async () => (await get()) === 'from-a', 'traffic through Envoy to upstream a', 8000);
    await waitFor(() => allAcked(server), 'ACKs for every type', 3000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(server.events.disconnects).toEqual([]);
    expect(server.events.connects.map((c) => c.proxyId)).toEqual(['envoy-1']);
    // Envoy's own view of its connection to the control plane (the bootstrap's cluster "xds").
    expect(await envoy.stat('cluster.xds.upstream_cx_total')).toBe(1);
    expect(await envoy.stat('cluster.xds.upstream_cx_destroy')).toBe(0);
    expect(await get()).toBe('from-a');
  });

  it('keeps serving without the control plane, then reconnects and gets nothing it already has', async () => {
    const first = await setup();
    await waitFor(async () => (await first.get()) === 'from-a', 'traffic through Envoy', 8000);
    await waitFor(() => allAcked(first.server), 'ACKs for every type', 3000);
    const cache: ResourceCache = first.server.cache;

    await first.server.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(await first.get()).toBe('from-a');

    const second = await startTestServer({ cache, port: first.server.port });
    cleanup.push(() => second.stop());
    await waitFor(() => allAcked(second), 'Envoy reconnected and in sync', 5000);
    const resent = second.events.sent.flatMap((e) => e.resources.map((r) => `${e.typeUrl} ${r.name}`));
    expect(resent).toEqual([]);
    expect(second.events.sent.flatMap((e) => e.removed)).toEqual([]);

    first.publishRoute([{ prefix: '/', cluster: 'svc-b' }]);
    await waitFor(async () => (await first.get()) === 'from-b', 'a change after reconnecting', 5000);
    expect(second.events.sent.map((e) => e.typeUrl)).toEqual(routeTypes);
  });

  it('switches a route to a new EDS cluster and drops the old one in one change without failing a request', async () => {
    const { server, b, listenerPort, get } = await setup();
    await waitFor(async () => (await get()) === 'from-a', 'traffic through Envoy', 8000);
    await waitFor(() => allAcked(server), 'ACKs for every type', 3000);

    const mark = server.events.sent.length;
    server.cache.setSnapshot(
      SCOPE,
      new Map<XdsTypeUrl, Map<string, Record<string, unknown>>>([
        [CLUSTER_TYPE_URL, byName([edsCluster('svc-new'), staticCluster('svc-b', '127.0.0.1', b.port)])],
        [ENDPOINT_TYPE_URL, byName([loadAssignment('svc-new', [{ host: '127.0.0.1', port: b.port }])])],
        [ROUTE_TYPE_URL, byName([routeConfig('routes', [{ prefix: '/', cluster: 'svc-new' }])])],
      ]),
    );
    const seen: string[] = [];
    for (let i = 0; i < 300 && seen.filter((x) => x === 'from-b').length < 20; i++) {
      const res = await httpGet(`http://127.0.0.1:${listenerPort}/`);
      seen.push(res.status === 200 ? res.body : `HTTP ${res.status}`);
    }
    expect(seen.filter((x) => x !== 'from-a' && x !== 'from-b')).toEqual([]);
    expect(seen.at(-1)).toBe('from-b');
    await waitFor(() => allAcked(server), 'ACKs after the switch', 3000);
    // On the wire: the new cluster and its endpoints, then the route, and only then the removal.
    const after = server.events.sent.slice(mark);
    const newCluster = after.findIndex((e) => e.typeUrl === CLUSTER_TYPE_URL && e.resources.some((r) => r.name === 'svc-new'));
    const newEndpoints = after.findIndex((e) => e.typeUrl === ENDPOINT_TYPE_URL && e.resources.some((r) => r.name === 'svc-new'));
    const newRoute = after.findIndex((e) => isRouteOf(e, 'routes'));
    const removal = after.findIndex((e) => e.typeUrl === CLUSTER_TYPE_URL && e.removed.includes('svc-a'));
    expect([newCluster, newEndpoints, newRoute, removal].every((i) => i >= 0)).toBe(true);
    expect(newCluster).toBeLessThan(newEndpoints);
    expect(newEndpoints).toBeLessThan(newRoute);
    expect(newRoute).toBeLessThan(removal);
  });
});
