import { describe, expect, it } from 'vitest';
import { docs, run, service } from '../testing/mesh.ts';
import { destinationRuleWithoutService } from './destination-rule-without-service.ts';

const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }
`;

describe('TRL0112 DestinationRule for a host with no service', () => {
  it('fires when no ServiceEntry defines the host', () => {
    expect(run(destinationRuleWithoutService, docs(service('ratings'), dr))).toMatchObject([{ code: 'TRL0112', path: 'spec.host' }]);
  });

  it('does not fire when the short name resolves to a service of the namespace', () => {
    expect(run(destinationRuleWithoutService, docs(service('reviews'), dr))).toEqual([]);
  });
});
