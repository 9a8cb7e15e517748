import { describe, expect, it } from 'vitest';
import type { IstioResource } from '../../core/resources/index.ts';
import { buildMeshIndex } from './mesh/build-mesh-index.ts';
import type { MeshIndex } from './mesh/mesh-model.ts';
import { translateSidecarShared } from './translate-sidecar.ts';
import { buildMeshIndex as buildPatchedIndex, envoyFiltersOf, inboundInputsKey } from './envoy-filter/index.ts';
import { istio, meshService, sidecar } from './testing/resources.ts';
import type { TranslationResult } from './translation-result.ts';
import type { WorkloadInstance } from './workload-instance.ts';

const workloads: WorkloadInstance[] = ['a', 'b'].map((app, i) => ({ name: app, namespace: 'shop', address: `10.0.0.${i + 1}`, labels: { app, version: 'v1' }, serviceAccount: app, ports: {} }));
const base = [meshService('shop', 'a'), meshService('shop', 'b')];
const build = (resources: IstioResource[], extra: WorkloadInstance[] = [], previous?: MeshIndex) =>
  buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources, workloads: [...workloads, ...extra], previous });
const route = (r: TranslationResult) => r.routes.find((n) => n.name === 'outbound|http')?.resource;
const clusterOf = (r: TranslationResult, host: string) => r.clusters.find((n) => n.name === `outbound|80||${host}`)?.resource;

describe('shared translation across proxy groups', () => {
  it('gives groups of one namespace that differ only in labels no route reads the very same translation', () => {
    const index = build(base);
    const one = translateSidecarShared(index, sidecar('shop', { labels: { app: 'a' } }));
    const two = translateSidecarShared(index, sidecar('shop', { labels: { app: 'b', version: 'v2' } }));
    expect(two).toBe(one);
    // Another namespace sees other short names: its own translation.
    expect(translateSidecarShared(index, sidecar('web', { labels: { app: 'a' } }))).not.toBe(one);
  });

  it('separates groups whose labels match different sourceLabels, and each gets its own routes', () => {
    const vs = istio('VirtualService', 'shop', 'a', {
      hosts: ['a'],
      http: [
        { match: [{ sourceLabels: { app: 'b' } }], fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: [{ destination: { host: 'a' } }] },
        { route: [{ destination: { host: 'a' } }] },
      ],
    });
    const index = build([...base, vs]);
    const fromB = translateSidecarShared(index, sidecar('shop', { labels: { app: 'b' } }));
    const fromC = translateSidecarShared(index, sidecar('shop', { labels: { app: 'c' } }));
    expect(fromC).not.toBe(fromB);
    expect(JSON.stringify(route(fromB))).toContain('418');
    expect(JSON.stringify(route(fromC))).not.toContain('418');
    // Two non-matching groups still share.
    expect(translateSidecarShared(index, sidecar('shop', { labels: { app: 'd' } }))).toBe(fromC);
  });

  it('separates groups a workload-selected Sidecar treats differently', () => {
    const scoped = istio('Sidecar', 'shop', 'only-a', { workloadSelector: { labels: { app: 'b' } }, egress: [{ hosts: ['./a.shop.svc.cluster.local'] }] });
    const index = build([...base, scoped]);
    const fromB = translateSidecarShared(index, sidecar('shop', { labels: { app: 'b' } }));
    const fromC = translateSidecarShared(index, sidecar('shop', { labels: { app: 'c' } }));
    expect(fromB).not.toBe(fromC);
    expect(clusterOf(fromB, 'b.shop.svc.cluster.local')).toBeUndefined();
    expect(clusterOf(fromC, 'b.shop.svc.cluster.local')).toBeDefined();
  });

  it('keeps the route configuration object when only endpoints change, and rebuilds it when a route does', () => {
    const first = build(base);
    const before = translateSidecarShared(first, sidecar('shop'));
    const second = build(base, [{ name: 'b2', namespace: 'shop', address: '10.0.0.9', labels: { app: 'b' }, serviceAccount: 'b', ports: {} }], first);
    const after = translateSidecarShared(second, sidecar('shop'));
    expect(after).not.toBe(before);
    expect(route(after)).toBe(route(before));
    expect(clusterOf(after, 'a.shop.svc.cluster.local')).toBe(clusterOf(before, 'a.shop.svc.cluster.local'));
    const vs = istio('VirtualService', 'shop', 'b', { hosts: ['b'], http: [{ timeout: '2s', route: [{ destination: { host: 'b' } }] }] });
    const third = translateSidecarShared(build([...base, vs], [], second), sidecar('shop'));
    expect(route(third)).not.toBe(route(after));
    expect(JSON.stringify(route(third))).toContain('"seconds":2');
  });

  it("keys a proxy's inbound inputs so that routes and endpoints leave them equal, and policies, services, settings and EnvoyFilters do not", () => {
    const first = build(base);
    const registered = build(base, [{ name: 'b2', namespace: 'shop', address: '10.0.0.9', labels: { app: 'b' }, serviceAccount: 'b', ports: {} }], first);
    expect(inboundInputsKey(registered)).toBe(inboundInputsKey(first));
    const index = (resources: IstioResource[], settings = {}) => buildPatchedIndex({ tenantId: 't', mesh: 'm', revision: 2, settings, resources, workloads });
    const routed = istio('VirtualService', 'shop', 'a', { hosts: ['a'], http: [{ timeout: '2s', route: [{ destination: { host: 'a' } }] }] });
    const rule = istio('DestinationRule', 'shop', 'a', { host: 'a', trafficPolicy: { connectionPool: { tcp: { maxConnections: 5 } } } });
    expect(inboundInputsKey(index([...base, routed, rule]))).toBe(inboundInputsKey(first));
    const policy = istio('AuthorizationPolicy', 'shop', 'deny-all', {});
    expect(inboundInputsKey(index([...base, policy]))).not.toBe(inboundInputsKey(first));
    // A service's ports are read by authorizer and telemetry backend resolution.
    const ports = index([meshService('shop', 'a'), meshService('shop', 'b', { ports: [{ number: 81, name: 'http', protocol: 'HTTP' }] })]);
    expect(inboundInputsKey(ports)).not.toBe(inboundInputsKey(first));
    expect(inboundInputsKey(index(base, { trustDomain: 'other.example' }))).not.toBe(inboundInputsKey(first));
    const filter = istio('EnvoyFilter', 'shop', 'inbound-header', {
      workloadSelector: { labels: { app: 'a' } },
      configPatches: [{ applyTo: 'HTTP_FILTER', match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } }, patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } } } }],
    });
    const filtered = index([...base, filter]);
    expect(envoyFiltersOf(filtered)).toHaveLength(1);
    expect(inboundInputsKey(filtered)).not.toBe(inboundInputsKey(first));
  });
});
