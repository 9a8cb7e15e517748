import { describe, expect, it } from 'vitest';
import { run } from '../testing/mesh.ts';
import { authorizationAllowsNothing } from './authorization-allows-nothing.ts';

const policy = (rules: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ratings, namespace: shop }
spec:
  selector: { matchLabels: { app: ratings } }
  action: ALLOW
${rules}`;

describe('TRL0110 AuthorizationPolicy that allows nothing', () => {
  it('fires for ALLOW without rules', () => {
    expect(run(authorizationAllowsNothing, policy(''))).toMatchObject([{ code: 'TRL0110', path: 'spec' }]);
  });

  it('does not fire for allow-all (one empty rule)', () => {
    expect(run(authorizationAllowsNothing, policy('  rules: [{}]\n'))).toEqual([]);
  });
});
