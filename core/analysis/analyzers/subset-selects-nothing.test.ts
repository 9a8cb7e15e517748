import { describe, expect, it } from 'vitest';
import { docs, run, service, workload } from '../testing/mesh.ts';
import { subsetSelectsNothing } from './subset-selects-nothing.ts';

const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v3, labels: { version: v3 } }]
`;

describe('TRL0104 subset labels select no workload', () => {
  it('fires for a subset whose labels match no endpoint', () => {
    const findings = run(subsetSelectsNothing, docs(service('reviews'), workload('reviews-v1', { app: 'reviews', version: 'v1' }), dr));
    expect(findings).toMatchObject([{ code: 'TRL0104', path: 'spec.subsets[1].labels' }]);
  });

  it('does not fire when an auto-registered sidecar provides the labels', () => {
    const yaml = docs(service('reviews'), workload('reviews-v1', { app: 'reviews', version: 'v1' }), workload('reviews-v3-abc', { app: 'reviews', version: 'v3' }, 'shop', true), dr);
    expect(run(subsetSelectsNothing, yaml)).toEqual([]);
  });
});
