import { describe, expect, it } from 'vitest';
import { run } from '../testing/mesh.ts';
import { unreachableHttpMatch } from './unreachable-http-match.ts';

const vs = (firstMatch: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
  - ${firstMatch}route: [{ destination: { host: reviews, subset: v1 } }]
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
`;

describe('TRL0106 unreachable HTTP match after a catch-all', () => {
  it('fires for a route after one whose match is prefix "/"', () => {
    expect(run(unreachableHttpMatch, vs('match: [{ uri: { prefix: / } }]\n    '))).toMatchObject([{ code: 'TRL0106', path: 'spec.http[1]' }]);
  });

  it('does not fire when the first route is narrowed by a header', () => {
    expect(run(unreachableHttpMatch, vs('match: [{ headers: { canary: { exact: "1" } } }]\n    '))).toEqual([]);
  });
});
