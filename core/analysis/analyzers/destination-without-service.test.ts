import { describe, expect, it } from 'vitest';
import { docs, run, service } from '../testing/mesh.ts';
import { destinationWithoutService } from './destination-without-service.ts';

const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews }, weight: 90 }, { destination: { host: reviews-next }, weight: 10 }] }]
`;

describe('TRL0102 route destination with no service', () => {
  it('fires for a destination host no ServiceEntry defines', () => {
    expect(run(destinationWithoutService, docs(service('reviews'), vs))).toMatchObject([{ code: 'TRL0102', path: 'spec.http[0].route[1].destination.host' }]);
  });

  it('does not fire when every destination has a service', () => {
    expect(run(destinationWithoutService, docs(service('reviews'), service('reviews-next'), vs))).toEqual([]);
  });
});
