import { describe, expect, it } from 'vitest';
import { istio, meshService, sidecar } from '../testing/resources.ts';
import { translateSidecar } from '../translate-sidecar.ts';
import { buildMeshIndex } from './build-mesh-index.ts';

const build = (resources: Parameters<typeof buildMeshIndex>[0]['resources'], workloads: Parameters<typeof buildMeshIndex>[0]['workloads'] = []) =>
  buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources, workloads });

describe('buildMeshIndex', () => {
  it('selects WorkloadEntries and connected workloads by labels within the ServiceEntry namespace', () => {
    const index = build(
      [
        meshService('shop', 'reviews'),
        istio('WorkloadEntry', 'shop', 'vm', { address: '10.0.0.1', labels: { app: 'reviews' } }),
        istio('WorkloadEntry', 'other', 'vm', { address: '10.0.0.2', labels: { app: 'reviews' } }),
      ],
      [{ name: 'task', namespace: 'shop', address: '10.0.0.3', labels: { app: 'reviews', v: '2' }, serviceAccount: 'reviews', ports: { http: 9080 } }],
    );
    const service = index.services.get('reviews.shop.svc.cluster.local');
    expect(service?.endpoints.map((e) => [e.address, e.ports['http']])).toEqual([
      ['10.0.0.1', undefined],
      ['10.0.0.3', 9080],
    ]);
  });

  it('resolves short hosts in the namespace of the VirtualService or DestinationRule', () => {
    const index = build([
      meshService('shop', 'reviews'),
      istio('VirtualService', 'shop', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
      istio('DestinationRule', 'shop', 'reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }),
      istio('VirtualService', 'other', 'unknown', { hosts: ['reviews'] }),
    ]);
    expect([...index.virtualServices.keys()].sort()).toEqual(['reviews', 'reviews.shop.svc.cluster.local']);
    expect([...index.destinationRules.keys()]).toEqual(['reviews.shop.svc.cluster.local']);
  });

  it('reports a host defined twice and keeps the first', () => {
    const index = build([meshService('shop', 'reviews'), istio('ServiceEntry', 'zzz', 'copy', { hosts: ['reviews.shop.svc.cluster.local'], resolution: 'STATIC' })]);
    expect(index.services.get('reviews.shop.svc.cluster.local')?.source).toBe('ServiceEntry/shop/reviews');
    expect(index.issues).toEqual([expect.objectContaining({ resource: 'ServiceEntry/zzz/copy', field: 'spec.hosts' })]);
  });

  it('skips a malformed resource with an issue instead of throwing', () => {
    const index = build([meshService('shop', 'reviews'), istio('ServiceEntry', 'shop', 'broken', { hosts: 'not-a-list' })]);
    expect(index.services.size).toBe(1);
    expect(index.issues).toEqual([expect.objectContaining({ resource: 'ServiceEntry/shop/broken', field: 'spec' })]);
  });

  it('honours exportTo "." : other namespaces neither route to nor get clusters for the service', () => {
    const index = build([meshService('shop', 'private', { exportTo: ['.'] }), meshService('shop', 'public')]);
    const inside = translateSidecar(index, sidecar('shop'));
    const outside = translateSidecar(index, sidecar('web'));
    expect(inside.clusters.map((c) => c.name)).toContain('outbound|80||private.shop.svc.cluster.local');
    expect(outside.clusters.map((c) => c.name).filter((n) => n.startsWith('outbound|'))).toEqual(['outbound|80||public.shop.svc.cluster.local']);
  });
});
