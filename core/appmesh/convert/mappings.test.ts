import { describe, expect, it } from 'vitest';
import type { IstioResource } from '../../resources/index.ts';
import { importAppMesh } from '../import-appmesh.ts';
import { toDnsLabel } from '../names.ts';
import { normaliseWeights } from './weights.ts';

const mesh = (egress: 'ALLOW_ALL' | 'DROP_ALL' = 'DROP_ALL') => ({ mesh: { meshName: 'Shop_Mesh', spec: { egressFilter: { type: egress } } } });
const node = (name: string, spec: Record<string, unknown> = {}) => ({
  virtualNode: { meshName: 'Shop_Mesh', virtualNodeName: name, spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: `${name}.shop.local` } }, ...spec } },
});
const router = (protocol = 'http') => ({ virtualRouter: { meshName: 'Shop_Mesh', virtualRouterName: 'vr', spec: { listeners: [{ portMapping: { port: 80, protocol } }] } } });
const service = { virtualService: { meshName: 'Shop_Mesh', virtualServiceName: 'api.shop.local', spec: { provider: { virtualRouter: { virtualRouterName: 'vr' } } } } };
const route = (name: string, spec: Record<string, unknown>) => ({ route: { meshName: 'Shop_Mesh', virtualRouterName: 'vr', routeName: name, spec } });
const to = (...nodes: [string, number][]) => ({ weightedTargets: nodes.map(([virtualNode, weight]) => ({ virtualNode, weight })) });

function run(items: unknown[]) {
  const result = importAppMesh([{ name: 'in.json', text: JSON.stringify(items) }]);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}
const spec = (resources: IstioResource[], kind: string, name?: string) => resources.find((r) => r.kind === kind && (name === undefined || r.metadata.name === name))?.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests reach into untyped specs

describe('App Mesh → Trellis mappings', () => {
  it('sanitises names to DNS labels, deterministically, hashing what it shortens', () => {
    expect(toDnsLabel('Shop_Mesh')).toBe('shop-mesh');
    expect(toDnsLabel('api.shop.local')).toBe('api-shop-local');
    const long = 'x'.repeat(80);
    expect(toDnsLabel(long)).toHaveLength(63);
    expect(toDnsLabel(long)).toBe(toDnsLabel(long));
    expect(toDnsLabel(long)).not.toBe(toDnsLabel(`${long}y`));
  });

  it('rescales weights to 100 by largest remainder', () => {
    expect(normaliseWeights([1, 1, 1])).toEqual([34, 33, 33]);
    expect(normaliseWeights([90, 10])).toEqual([90, 10]);
    expect(normaliseWeights([0, 0])).toBeUndefined();
  });

  it('maps ALLOW_ALL to ALLOW_ANY, and the mesh name to its namespace', () => {
    const value = run([mesh('ALLOW_ALL')]);
    expect(value.meshSettings).toEqual({ Shop_Mesh: { namespace: 'shop-mesh', settings: { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } } } });
  });

  it('maps every retry event to Envoy retry_on names', () => {
    const value = run([
      mesh(), node('a'), router('grpc'), service,
      route('r', { grpcRoute: { match: { serviceName: 'shop.Cart', methodName: 'Add' }, action: to(['a', 1]), retryPolicy: { maxRetries: 4, perRetryTimeout: { unit: 'ms', value: 250 }, grpcRetryEvents: ['unavailable', 'deadline-exceeded'], httpRetryEvents: ['client-error', 'stream-error'], tcpRetryEvents: ['connection-error'] } } }),
    ]);
    const http = spec(value.resources, 'VirtualService').http[0];
    expect(http.match).toEqual([{ uri: { exact: '/shop.Cart/Add' } }]);
    expect(http.retries).toEqual({ attempts: 4, perTryTimeout: '250ms', retryOn: 'retriable-4xx,refused-stream,connect-failure,unavailable,deadline-exceeded' });
    expect(spec(value.resources, 'ServiceEntry').ports).toEqual([{ number: 80, name: 'grpc-80', protocol: 'GRPC' }]);
  });

  it('matches headers by suffix (as a regex) and invert (withoutHeaders), and leaves out a route with a range match', () => {
    const value = run([
      mesh(), node('a'), node('b'), router(), service,
      route('suffix', { priority: 1, httpRoute: { match: { prefix: '/', headers: [{ name: 'X-User', match: { suffix: '.admin' } }, { name: 'x-beta', invert: true, match: { exact: 'no' } }, { name: 'x-any' }] }, action: to(['a', 1]) } }),
      route('range', { priority: 2, httpRoute: { match: { prefix: '/', headers: [{ name: 'x-n', match: { range: { start: 1, end: 5 } } }] }, action: to(['b', 1]) } }),
    ]);
    const http = spec(value.resources, 'VirtualService').http;
    expect(http).toHaveLength(1);
    expect(http[0].match).toEqual([{ headers: { 'x-user': { regex: '.*\\.admin' }, 'x-any': {} }, withoutHeaders: { 'x-beta': { exact: 'no' } } }]);
    expect(value.report.entries).toContainEqual(expect.objectContaining({ source: 'Route/Shop_Mesh/vr/range', status: 'none', note: expect.stringMatching(/range match .* no Istio form/) }));
  });

  it('makes App Mesh defaults explicit: 15s timeout and the default retry policy; 0 disables the timeout', () => {
    const value = run([
      mesh(), node('a'), router(), service,
      route('a', { priority: 1, httpRoute: { match: { prefix: '/a' }, action: to(['a', 1]) } }),
      route('b', { priority: 2, httpRoute: { match: { prefix: '/b' }, action: to(['a', 1]), timeout: { perRequest: { unit: 's', value: 0 } } } }),
    ]);
    const [a, b] = spec(value.resources, 'VirtualService').http;
    expect(a).toMatchObject({ timeout: '15s', retries: { attempts: 2, retryOn: 'connect-failure,refused-stream,503' } });
    expect(b.timeout).toBeUndefined();
  });

  it('routes TCP with weights; the TCP idle timeout goes to the target subsets, reported as approximated', () => {
    const value = run([
      mesh(), node('db1', { listeners: [{ portMapping: { port: 5432, protocol: 'tcp' } }] }), node('db2', { listeners: [{ portMapping: { port: 5432, protocol: 'tcp' } }] }), router('tcp'), service,
      route('tcp', { tcpRoute: { action: to(['db1', 3, ], ['db2', 1]), timeout: { idle: { unit: 's', value: 600 } } } }),
    ]);
    expect(spec(value.resources, 'VirtualService').tcp).toEqual([
      { route: [{ destination: { host: 'api.shop.local', subset: 'db1' }, weight: 75 }, { destination: { host: 'api.shop.local', subset: 'db2' }, weight: 25 }] },
    ]);
    const dr = spec(value.resources, 'DestinationRule');
    expect(dr.subsets.map((x: { trafficPolicy?: unknown }) => x.trafficPolicy)).toEqual([{ connectionPool: { tcp: { idleTimeout: '600s' } } }, { connectionPool: { tcp: { idleTimeout: '600s' } } }]);
    expect(value.report.entries).toContainEqual(expect.objectContaining({ status: 'approximated', note: expect.stringContaining('TCP idle timeout stands in') }));
    expect(value.report.entries).not.toContainEqual(expect.objectContaining({ note: expect.stringMatching(/idleTimeout dropped/) }));
  });

  it('selects Cloud Map nodes by labels from their attributes, with STATIC resolution and no WorkloadEntry', () => {
    const value = run([
      mesh(), node('a', { serviceDiscovery: { awsCloudMap: { namespaceName: 'shop', serviceName: 'a', attributes: [{ key: 'stage', value: 'prod' }] } } }), router(), service,
      route('r', { httpRoute: { match: { prefix: '/' }, action: to(['a', 1]) } }),
    ]);
    expect(spec(value.resources, 'ServiceEntry')).toMatchObject({ resolution: 'STATIC', workloadSelector: { labels: { 'router.appmesh.trellis.dev/vr': 'member' } } });
    expect(value.resources.some((r) => r.kind === 'WorkloadEntry')).toBe(false);
    expect(value.workloads[0]!.labels).toEqual({ 'appmesh.trellis.dev/virtual-node': 'a', 'cloudmap.appmesh.trellis.dev/stage': 'prod', 'router.appmesh.trellis.dev/vr': 'member' });
    // The Cloud Map service becomes a registry source whose instances carry the labels the ServiceEntry selects.
    expect(value.cloudMapSources).toEqual([{ cloudMapNamespace: 'shop', service: 'a', namespace: value.workloads[0]!.namespace, labels: value.workloads[0]!.labels, portNames: Object.keys(value.workloads[0]!.ports) }]);
    expect(value.cloudMapSources[0]!.portNames!.length).toBeGreaterThan(0);
  });

  it('sets PeerAuthentication per port when listeners differ, and approximates health checks with outlier detection', () => {
    const value = run([
      mesh(),
      node('a', {
        listeners: [
          { portMapping: { port: 8080, protocol: 'http' }, tls: { mode: 'STRICT', certificate: { sds: { secretName: 'a' } } }, healthCheck: { healthyThreshold: 2, intervalMillis: 6000, protocol: 'http', path: '/hc', timeoutMillis: 2000, unhealthyThreshold: 3 } },
          { portMapping: { port: 9090, protocol: 'grpc' }, tls: { mode: 'DISABLED', certificate: { sds: { secretName: 'a' } } } },
        ],
      }),
      { virtualService: { meshName: 'Shop_Mesh', virtualServiceName: 'a.shop.local', spec: { provider: { virtualNode: { virtualNodeName: 'a' } } } } },
    ]);
    expect(spec(value.resources, 'PeerAuthentication')).toEqual({ selector: { matchLabels: { 'appmesh.trellis.dev/virtual-node': 'a' } }, portLevelMtls: { '8080': { mode: 'STRICT' }, '9090': { mode: 'DISABLE' } } });
    expect(spec(value.resources, 'DestinationRule').trafficPolicy.outlierDetection).toEqual({ consecutive5xxErrors: 3, interval: '6000ms', baseEjectionTime: '6000ms', maxEjectionPercent: 100 });
    expect(value.report.entries).toContainEqual(expect.objectContaining({ field: 'spec.listeners[0].healthCheck', status: 'approximated' }));
  });

  it('scopes a node to its backends with a Sidecar, and reports a backend that is not in the input', () => {
    const value = run([
      mesh(), node('a'), router(), service, route('r', { httpRoute: { match: { prefix: '/' }, action: to(['a', 1]) } }),
      node('caller', { backends: [{ virtualService: { virtualServiceName: 'api.shop.local' } }, { virtualService: { virtualServiceName: 'gone.shop.local' } }] }),
    ]);
    expect(spec(value.resources, 'Sidecar', 'caller')).toEqual({ workloadSelector: { labels: { 'appmesh.trellis.dev/virtual-node': 'caller' } }, egress: [{ hosts: ['./api.shop.local'] }] });
    expect(value.report.entries).toContainEqual(expect.objectContaining({ source: 'VirtualNode/Shop_Mesh/caller', field: 'spec.backends[1].virtualService', status: 'none' }));
  });

  it('binds gateway routes to the Gateway with App Mesh rewrites (prefix to /, Host to the service) unless disabled', () => {
    const value = run([
      mesh(), node('a'), router(), service, route('r', { httpRoute: { match: { prefix: '/' }, action: to(['a', 1]) } }),
      { virtualGateway: { meshName: 'Shop_Mesh', virtualGatewayName: 'edge', spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] } } },
      { gatewayRoute: { meshName: 'Shop_Mesh', virtualGatewayName: 'edge', gatewayRouteName: 'api', spec: { priority: 1, httpRoute: { match: { prefix: '/api/', hostname: { suffix: 'shop.com' } }, action: { target: { virtualService: { virtualServiceName: 'api.shop.local' } } } } } } },
      { gatewayRoute: { meshName: 'Shop_Mesh', virtualGatewayName: 'edge', gatewayRouteName: 'keep', spec: { priority: 2, httpRoute: { match: { prefix: '/keep' }, action: { target: { virtualService: { virtualServiceName: 'api.shop.local' } }, rewrite: { prefix: { defaultPrefix: 'DISABLED' }, hostname: { defaultTargetHostname: 'DISABLED' } } } } } } },
    ]);
    expect(spec(value.resources, 'Gateway')).toEqual({ selector: { 'appmesh.trellis.dev/virtual-gateway': 'edge' }, servers: [{ port: { number: 8080, name: 'http-8080', protocol: 'HTTP' }, hosts: ['*'] }] });
    const vs = spec(value.resources, 'VirtualService', 'edge-gateway-routes');
    expect(vs.gateways).toEqual(['edge']);
    // The target is behind the router: its one route (to node a, with App Mesh's default timeout and retries) applies at the gateway.
    expect(vs.http[0]).toEqual({
      name: 'api-r',
      match: [{ authority: { regex: '.*shop\\.com(:[0-9]+)?' }, uri: { prefix: '/api/' } }],
      route: [{ destination: { host: 'api.shop.local', subset: 'a' } }],
      rewrite: { uriRegexRewrite: { match: '^/api/?', rewrite: '/' }, authority: 'api.shop.local' },
      timeout: '15s',
      retries: { attempts: 2, retryOn: 'connect-failure,refused-stream,503' },
    });
    expect(vs.http[1].rewrite).toBeUndefined();
  });

  it("carries a virtual router's routes into the gateway, on the path the router sees after the gateway's rewrite, with 404 for what none takes", () => {
    const value = run([
      mesh(), node('blue'), node('green'), node('red'), router(), service,
      route('green', { priority: 1, httpRoute: { match: { prefix: '/green' }, action: to(['green', 1]) } }),
      route('red', { priority: 2, httpRoute: { match: { prefix: '/', headers: [{ name: 'x-color', match: { exact: 'red' } }] }, action: to(['red', 1]) } }),
      route('item', { priority: 3, httpRoute: { match: { path: { exact: '/item' } }, action: to(['blue', 3], ['red', 1]) } }),
      route('elsewhere', { priority: 4, httpRoute: { match: { prefix: '/admin' }, action: to(['blue', 1]) } }),
      route('regex', { priority: 5, httpRoute: { match: { path: { regex: '/v[0-9]+/.*' } }, action: to(['blue', 1]) } }),
      { virtualGateway: { meshName: 'Shop_Mesh', virtualGatewayName: 'edge', spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] } } },
      { gatewayRoute: { meshName: 'Shop_Mesh', virtualGatewayName: 'edge', gatewayRouteName: 'color', spec: { priority: 1, httpRoute: { match: { prefix: '/color/' }, action: { target: { virtualService: { virtualServiceName: 'api.shop.local' } } } } } } },
      { gatewayRoute: { meshName: 'Shop_Mesh', virtualGatewayName: 'edge', gatewayRouteName: 'admin', spec: { priority: 2, httpRoute: { match: { prefix: '/admin', headers: [{ name: 'x-color', match: { prefix: 'b' } }] }, action: { target: { virtualService: { virtualServiceName: 'api.shop.local' } }, rewrite: { prefix: { defaultPrefix: 'DISABLED' } } } } } } },
    ]);
    const http = spec(value.resources, 'VirtualService', 'edge-gateway-routes').http as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped spec
    const summary = http.map((r) => [r.name, r.match?.[0].uri, r.match?.[0].headers, r.route?.map((d: { destination: { subset: string }; weight?: number }) => [d.destination.subset, d.weight ?? 100]) ?? r.directResponse]);
    expect(summary).toEqual([
      ['color-green', { regex: '/color/green.*' }, undefined, [['green', 100]]],
      ['color-red', { prefix: '/color/' }, { 'x-color': { exact: 'red' } }, [['red', 100]]],
      ['color-item', { regex: '/color/item' }, undefined, [['blue', 75], ['red', 25]]],
      ['color-elsewhere', { regex: '/color/admin.*' }, undefined, [['blue', 100]]],
      ['color-no-route', { prefix: '/color/' }, undefined, { status: 404 }],
      // Without a rewrite, the router sees /admin...: its green and item routes cannot match, red's header condition cannot be ANDed with the gateway's in one match, and elsewhere takes all the rest.
      ['admin-elsewhere', { prefix: '/admin' }, { 'x-color': { prefix: 'b' } }, [['blue', 100]]],
    ]);
    expect(http.every((r) => r.directResponse || r.rewrite?.authority === 'api.shop.local')).toBe(true);
    const notes = value.report.entries.filter((e) => e.source === 'GatewayRoute/Shop_Mesh/edge/color' && e.field === 'spec.httpRoute.action.target');
    expect(notes.map((e) => e.status).sort()).toEqual(['mapped', 'none']);
    expect(notes.find((e) => e.status === 'none')!.note).toMatch(/route regex of virtual router vr is not applied at the gateway: its path regex/);
    const admin = value.report.entries.filter((e) => e.source === 'GatewayRoute/Shop_Mesh/edge/admin' && e.status === 'none');
    expect(admin.map((e) => e.note)).toEqual([expect.stringMatching(/route red .*same header/)]);
  });

  it('reports a weighted target whose node is missing, and gives its share to the others', () => {
    const value = run([mesh(), node('a'), router(), service, route('r', { httpRoute: { match: { prefix: '/' }, action: to(['a', 1], ['ghost', 1]) } })]);
    expect(spec(value.resources, 'VirtualService').http[0].route).toEqual([{ destination: { host: 'api.shop.local', subset: 'a' } }]);
    expect(value.report.entries).toContainEqual(expect.objectContaining({ status: 'none', note: expect.stringMatching(/"ghost" is not in the input/) }));
  });
  it('puts a node listener connection pool in the node Sidecar inbound pool, not in its callers, even without backends', () => {
    const pool = { http: { maxConnections: 40, maxPendingRequests: 8 }, http2: { maxRequests: 90 } };
    const value = run([mesh(), node('a', { listeners: [{ portMapping: { port: 8080, protocol: 'http' }, connectionPool: pool }] }), router(), service, route('r', { httpRoute: { match: { prefix: '/' }, action: to(['a', 1]) } })]);
    expect(spec(value.resources, 'Sidecar', 'a')).toEqual({
      workloadSelector: { labels: { 'appmesh.trellis.dev/virtual-node': 'a' } },
      inboundConnectionPool: { tcp: { maxConnections: 40 }, http: { http1MaxPendingRequests: 8, http2MaxRequests: 90 } },
    });
    expect(JSON.stringify(spec(value.resources, 'DestinationRule'))).not.toContain('maxConnections');
    expect(value.report.entries).toContainEqual(expect.objectContaining({ status: 'approximated', field: 'spec.backends', note: expect.stringMatching(/sets no egress hosts/) }));
  });

  it('keeps the first listener pool when listeners differ, reporting the others, and a node without pools gets no Sidecar for them', () => {
    const listeners = [
      { portMapping: { port: 8080, protocol: 'http' }, connectionPool: { http: { maxConnections: 10 } } },
      { portMapping: { port: 9090, protocol: 'tcp' }, connectionPool: { tcp: { maxConnections: 20 } } },
      { portMapping: { port: 9191, protocol: 'http' }, connectionPool: { http: { maxConnections: 10 } } },
    ];
    const value = run([mesh(), node('a', { listeners }), node('b'), router(), service, route('r', { httpRoute: { match: { prefix: '/' }, action: to(['a', 1], ['b', 1]) } })]);
    expect(spec(value.resources, 'Sidecar', 'a').inboundConnectionPool).toEqual({ tcp: { maxConnections: 10 } });
    expect(spec(value.resources, 'Sidecar', 'b')).toBeUndefined();
    const entries = value.report.entries.filter((e) => e.source === 'VirtualNode/Shop_Mesh/a' && e.field.endsWith('connectionPool'));
    expect(entries.map((e) => [e.status, e.field])).toEqual([
      ['approximated', 'spec.listeners[1].connectionPool'],
      ['mapped', 'spec.listeners[0].connectionPool'],
      ['mapped', 'spec.listeners[2].connectionPool'],
    ]);
  });
});
