import { describe, expect, it } from 'vitest';
import { docs, run, service } from '../testing/mesh.ts';
import { subsetNotDefined } from './subset-not-defined.ts';

const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v1 }, weight: 50 }, { destination: { host: reviews, subset: v2 }, weight: 50 }] }]
`;
const dr = (subsets: string[]) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  subsets: [${subsets.map((s) => `{ name: ${s}, labels: { version: ${s} } }`).join(', ')}]
`;

describe('TRL0103 subset not defined', () => {
  it('fires for a subset the DestinationRule lacks, naming the rule as related', () => {
    const findings = run(subsetNotDefined, docs(service('reviews'), dr(['v1']), vs));
    expect(findings).toMatchObject([{ code: 'TRL0103', path: 'spec.http[0].route[1].destination.subset', related: [{ kind: 'DestinationRule', name: 'reviews' }] }]);
  });

  it('does not fire when every subset is defined', () => {
    expect(run(subsetNotDefined, docs(service('reviews'), dr(['v1', 'v2']), vs))).toEqual([]);
  });
});
