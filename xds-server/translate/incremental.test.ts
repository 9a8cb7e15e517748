import { describe, expect, it } from 'vitest';
import type { IstioResource } from '../../core/resources/index.ts';
import { buildMeshIndex } from './mesh/build-mesh-index.ts';
import type { MeshIndex } from './mesh/mesh-model.ts';
import { inboundKey, proxyGroupKey } from './proxy-descriptor.ts';
import { translateSidecarInbound, translateSidecarShared } from './translate-sidecar.ts';
import { istio, meshService, sidecar } from './testing/resources.ts';
import { translateSidecar } from './translate-sidecar.ts';
import type { TranslationResult } from './translation-result.ts';
import type { WorkloadInstance } from './workload-instance.ts';

const workloads: WorkloadInstance[] = ['a', 'b', 'c'].map((app, i) => ({ name: app, namespace: 'shop', address: `10.0.0.${i + 1}`, labels: { app }, serviceAccount: app, ports: {} }));
const base = [meshService('shop', 'a'), meshService('shop', 'b'), meshService('shop', 'c')];
const build = (resources: IstioResource[], extra: WorkloadInstance[] = [], previous?: MeshIndex) =>
  buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources, workloads: [...workloads, ...extra], previous });

const content = (r: TranslationResult) =>
  new Map([...r.clusters, ...r.endpoints, ...r.listeners, ...r.routes].map((n) => [n.name, JSON.stringify(n.resource)]));
const changedNames = (a: TranslationResult, b: TranslationResult) => {
  const before = content(a);
  return [...content(b)].filter(([name, json]) => before.get(name) !== json).map(([name]) => name);
};

describe('incremental translation', () => {
  it('after a new endpoint of one service, only that service load assignment changes', () => {
    const first = build(base);
    const second = build(base, [{ name: 'b2', namespace: 'shop', address: '10.0.0.9', labels: { app: 'b' }, serviceAccount: 'b', ports: {} }], first);
    expect(changedNames(translateSidecar(first, sidecar('shop')), translateSidecar(second, sidecar('shop')))).toEqual(['outbound|80||b.shop.svc.cluster.local']);
  });

  it('after a VirtualService change, only the outbound route configuration changes, and unchanged pieces are the same objects', () => {
    const first = build(base);
    const before = translateSidecar(first, sidecar('shop'));
    const vs = istio('VirtualService', 'shop', 'a', { hosts: ['a'], http: [{ timeout: '1s', route: [{ destination: { host: 'a' } }] }] });
    const second = build([...base, vs], [], first);
    const after = translateSidecar(second, sidecar('shop'));
    expect(changedNames(before, after)).toEqual(['outbound|http']);
    const cluster = (r: TranslationResult) => r.clusters.find((c) => c.name === 'outbound|80||c.shop.svc.cluster.local')?.resource;
    expect(cluster(after)).toBe(cluster(before));
  });

  it('gives proxies the same group key only when their config would be identical', () => {
    const a = sidecar('shop', { workload: 'w-1', serviceAccount: 'x' });
    expect(proxyGroupKey(a)).toBe(proxyGroupKey({ ...a, workload: 'w-2', serviceAccount: 'y' }));
    expect(proxyGroupKey(a)).not.toBe(proxyGroupKey({ ...a, namespace: 'web' }));
    expect(proxyGroupKey(a)).not.toBe(proxyGroupKey({ ...a, labels: { app: 'other' } }));
    expect(proxyGroupKey(a)).not.toBe(proxyGroupKey({ ...a, inbound: { port: 80, bindAddress: '10.0.0.1' } }));
    expect(proxyGroupKey(a)).toBe(proxyGroupKey({ ...a, outboundPort: 15001 }));
    const index = build(base);
    expect(JSON.stringify(translateSidecar(index, a))).toBe(JSON.stringify(translateSidecar(index, { ...a, workload: 'w-2', serviceAccount: 'y' })));
  });

  it('puts replicas that differ only in address and app port in one group: the shared side is identical, only the inbound side is their own', () => {
    const one = sidecar('shop', { inbound: { port: 8080, bindAddress: '10.0.0.1' } });
    const two = { ...one, workload: 'w-2', inbound: { port: 9090, bindAddress: '10.0.0.2' } };
    expect(proxyGroupKey(one)).toBe(proxyGroupKey(two));
    expect(inboundKey(one)).not.toBe(inboundKey(two));
    const index = build(base);
    const [sharedOne, sharedTwo] = [translateSidecarShared(index, one), translateSidecarShared(index, two)];
    expect(JSON.stringify(sharedOne)).toBe(JSON.stringify(sharedTwo));
    // Per-service pieces are the very same objects, so the cache encodes them once.
    expect(sharedOne.clusters.map((c) => c.resource)).toEqual(sharedTwo.clusters.map((c) => c.resource));
    const services = (r: TranslationResult) => r.clusters.filter((c) => c.name.startsWith('outbound|'));
    expect(services(sharedOne).length).toBeGreaterThan(0);
    expect(services(sharedOne).every((c, i) => c.resource === services(sharedTwo)[i]!.resource)).toBe(true);
    const inbound = translateSidecarInbound(index, two);
    expect(inbound.clusters.map((c) => c.name)).toEqual(['inbound|9090||']);
    expect(JSON.stringify(inbound.listeners)).toContain('10.0.0.2');
    // Together they are what a proxy is served.
    expect(JSON.stringify(translateSidecar(index, two).listeners.map((l) => l.name).sort())).toBe(JSON.stringify([...sharedTwo.listeners, ...inbound.listeners].map((l) => l.name).sort()));
  });
});
