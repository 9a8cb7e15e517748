import { describe, expect, it } from 'vitest';
import { docs, run, service, workload } from '../testing/mesh.ts';
import { weightWithoutEndpoints } from './weight-without-endpoints.ts';

const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews }, weight: 80 }, { destination: { host: reviews-next }, weight: 20 }] }]
`;

describe('TRL0108 weight to a destination with no endpoints', () => {
  it('fires for a weighted service no workload backs', () => {
    const findings = run(weightWithoutEndpoints, docs(service('reviews'), service('reviews-next'), workload('r1', { app: 'reviews' }), vs));
    expect(findings).toMatchObject([{ code: 'TRL0108', path: 'spec.http[0].route[1].weight' }]);
    expect(findings[0]!.message).toContain('weight 20');
  });

  it('does not fire when both destinations have endpoints', () => {
    const yaml = docs(service('reviews'), service('reviews-next'), workload('r1', { app: 'reviews' }), workload('r2', { app: 'reviews-next' }), vs);
    expect(run(weightWithoutEndpoints, yaml)).toEqual([]);
  });
});
