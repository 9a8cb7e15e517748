import { describe, expect, it } from 'vitest';
import { docs, run, service } from '../testing/mesh.ts';
import { vsHostWithoutService } from './vs-host-without-service.ts';

const vs = (host: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${host}]
  http: [{ route: [{ destination: { host: ${host} } }] }]
`;

describe('TRL0101 VirtualService host with no service', () => {
  it('fires for a host no ServiceEntry defines', () => {
    const findings = run(vsHostWithoutService, docs(service('ratings'), vs('reviews')));
    expect(findings).toMatchObject([{ code: 'TRL0101', path: 'spec.hosts[0]', resource: { kind: 'VirtualService', name: 'reviews' } }]);
    expect(findings[0]!.message).toContain('reviews.shop.svc.cluster.local');
  });

  it('does not fire when a short name resolves to a ServiceEntry host', () => {
    expect(run(vsHostWithoutService, docs(service('reviews'), vs('reviews')))).toEqual([]);
  });
});
