import { describe, expect, it } from 'vitest';
import { docs, run, workload } from '../testing/mesh.ts';
import { selectorSelectsNothing } from './selector-selects-nothing.ts';

const policy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ratings, namespace: shop }
spec:
  selector: { matchLabels: { app: ratings } }
  rules: [{}]
`;

describe('TRL0113 policy selector matches no workload', () => {
  it('fires when no workload of the namespace has the labels', () => {
    expect(run(selectorSelectsNothing, docs(workload('ratings', { app: 'ratings' }, 'other'), policy))).toMatchObject([{ code: 'TRL0113', path: 'spec.selector.matchLabels' }]);
  });

  it('does not fire when a workload of the namespace matches', () => {
    expect(run(selectorSelectsNothing, docs(workload('ratings', { app: 'ratings' }), policy))).toEqual([]);
  });
});
