import { describe, expect, it } from 'vitest';
import { kubernetesEntries } from '../../core/registry/kubernetes-source.ts';
import { buildMeshIndex } from '../translate/mesh/build-mesh-index.ts';
import { istio, sidecar } from '../translate/testing/resources.ts';
import { translateSidecarShared } from '../translate/translate-sidecar.ts';
import { withRegistryServices } from './registry-services.ts';
import { workloadInstances } from './workload-instances.ts';

const at = { tenantId: 't', mesh: 'm', now: new Date('2026-01-01T00:00:00Z') };
const mirrored = kubernetesEntries(
  'eu-1',
  'shop',
  {
    services: [
      { name: 'reviews', clusterIP: '10.96.0.10', selector: { app: 'reviews' }, ports: [{ name: 'http-web', port: 9080 }, { name: 'db', port: 5432, appProtocol: 'tcp' }] },
      { name: 'external', ports: [{ port: 443 }] },
    ],
    endpoints: [{ pod: 'reviews-v1-abc', address: '10.1.0.5', labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'reviews', ports: { 'http-web': 8080, db: 5432 } }],
  },
  at,
);

const index = (resources: Parameters<typeof withRegistryServices>[0]) => {
  const all = withRegistryServices(resources, mirrored);
  return buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources: all, workloads: workloadInstances(mirrored, all, 'td') });
};

describe('withRegistryServices', () => {
  it('makes each mirrored Service a mesh-internal service of <name>.<ns>.svc.cluster.local whose endpoints are the pods its selector matches', () => {
    const services = index([]).services;
    const reviews = services.get('reviews.shop.svc.cluster.local')!;
    expect(reviews.location).toBe('MESH_INTERNAL');
    expect(reviews.ports).toEqual([
      { name: 'http-web', number: 9080, protocol: 'HTTP', targetPort: undefined },
      { name: 'db', number: 5432, protocol: 'TCP', targetPort: undefined },
    ]);
    expect(reviews.endpoints.map((e) => [e.address, e.ports, e.labels, e.serviceAccount])).toEqual([['10.1.0.5', { 'http-web': 8080, db: 5432 }, { app: 'reviews', version: 'v1' }, 'reviews']]);
    // A Service without a selector is a service with no endpoints; the Services themselves are never endpoints.
    expect(services.get('external.shop.svc.cluster.local')!.endpoints).toEqual([]);
    expect(services.get('external.shop.svc.cluster.local')!.ports).toEqual([{ name: 'port-443', number: 443, protocol: undefined, targetPort: undefined }]);
  });

  it("gives a Service its cluster IP as the mesh service's address, and a headless one none", () => {
    const services = index([]).services;
    expect(services.get('reviews.shop.svc.cluster.local')!.addresses).toEqual(['10.96.0.10']);
    expect(services.get('external.shop.svc.cluster.local')!.addresses).toBeUndefined();
  });

  it('lets a configured ServiceEntry of the same host in the namespace win', () => {
    const configured = istio('ServiceEntry', 'shop', 'reviews', { hosts: ['reviews.shop.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ name: 'grpc', number: 7000, protocol: 'GRPC' }], endpoints: [{ address: '10.9.9.9' }] });
    const built = index([configured]);
    expect(built.services.get('reviews.shop.svc.cluster.local')!.source).toBe('ServiceEntry/shop/reviews');
    expect(built.issues.map((i) => i.resource)).toEqual(['ServiceEntry/shop/~kubernetes.reviews']);
  });

  it('returns the config itself when the registry holds no Service', () => {
    const resources = [istio('ServiceEntry', 'shop', 'x', { hosts: ['x.example'] })];
    expect(withRegistryServices(resources, [])).toBe(resources);
  });

  it("reports no issue for a mirrored Service's cluster IP to a sidecar without traffic redirection, but does for addresses a user wrote", () => {
    const written = istio('ServiceEntry', 'shop', 'legacy', { hosts: ['legacy.example.com'], addresses: ['10.200.0.1'], location: 'MESH_EXTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '10.200.0.2' }] });
    const result = translateSidecarShared(index([written]), sidecar('shop'));
    const addressIssues = result.issues.filter((i) => i.field === 'spec.addresses').map((i) => i.resource);
    expect(addressIssues).toEqual(['ServiceEntry/shop/legacy']);
  });
});

