import { describe, expect, it } from 'vitest';
import { docs, run, service } from '../testing/mesh.ts';
import { duplicateVirtualServiceHost } from './duplicate-virtual-service-host.ts';

const vs = (name: string, host: string, gateways = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: shop }
spec:
  hosts: [${host}]
${gateways}  http: [{ route: [{ destination: { host: reviews } }] }]
`;

describe('TRL0105 two VirtualServices for one host', () => {
  it('fires on both, even when one names the host by its short name', () => {
    const findings = run(duplicateVirtualServiceHost, docs(service('reviews'), vs('a', 'reviews'), vs('b', 'reviews.shop.svc.cluster.local')));
    expect(findings.map((f) => [f.code, f.resource.name, f.related?.[0]?.name])).toEqual([
      ['TRL0105', 'a', 'b'],
      ['TRL0105', 'b', 'a'],
    ]);
  });

  it('does not fire when the second one is bound only to a gateway', () => {
    expect(run(duplicateVirtualServiceHost, docs(service('reviews'), vs('a', 'reviews'), vs('b', 'reviews', '  gateways: [edge]\n')))).toEqual([]);
  });
});
