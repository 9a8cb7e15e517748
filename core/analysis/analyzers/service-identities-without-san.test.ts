import { describe, expect, it } from 'vitest';
import { docs, run } from '../testing/mesh.ts';
import { serviceIdentitiesWithoutSan } from './service-identities-without-san.ts';

const serviceEntry = (extra = '') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: reviews } }
${extra}`;

const entry = (name: string, serviceAccount: string, labels = '{ app: reviews }', namespace = 'shop') => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}, namespace: ${namespace} }
spec: { address: 10.0.0.${name.length}, serviceAccount: ${serviceAccount}, labels: ${labels} }
`;

const group = (name: string, serviceAccount: string, labels: string) => `apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: { name: ${name}, namespace: shop }
spec:
  metadata: { labels: ${labels} }
  template: { serviceAccount: ${serviceAccount} }
`;

describe('TRL0114 ServiceEntry served by several service accounts without subjectAltNames', () => {
  it('fires when the selected WorkloadEntries run as two service accounts, naming both and the fixes', () => {
    const findings = run(serviceIdentitiesWithoutSan, docs(serviceEntry(), entry('reviews-1', 'reviews'), entry('batch-1', 'batch')));
    expect(findings).toMatchObject([
      {
        code: 'TRL0114',
        resource: { kind: 'ServiceEntry', namespace: 'shop', name: 'reviews' },
        path: 'spec.workloadSelector',
        related: [
          { kind: 'WorkloadEntry', name: 'reviews-1' },
          { kind: 'WorkloadEntry', name: 'batch-1' },
        ],
      },
    ]);
    expect(findings[0]!.message).toContain('(batch, reviews)');
    expect(findings[0]!.message).toContain('any of those identities can serve reviews.shop.svc.cluster.local');
    expect(findings[0]!.message).toMatch(/subjectAltNames.*WorkloadGroup/);
  });

  it('fires for a WorkloadGroup whose members can claim the selected label the group leaves open', () => {
    const findings = run(serviceIdentitiesWithoutSan, docs(serviceEntry(), entry('reviews-1', 'reviews'), group('batch-vms', 'batch', '{ tier: jobs }')));
    expect(findings).toMatchObject([{ code: 'TRL0114', related: [{ kind: 'WorkloadEntry', name: 'reviews-1' }, { kind: 'WorkloadGroup', name: 'batch-vms' }] }]);
  });

  it('does not fire when subjectAltNames lists the identities', () => {
    const yaml = docs(serviceEntry('  subjectAltNames: ["spiffe://prod.acme.trellis.local/ns/shop/sa/reviews"]\n'), entry('reviews-1', 'reviews'), entry('batch-1', 'batch'));
    expect(run(serviceIdentitiesWithoutSan, yaml)).toEqual([]);
  });

  it('does not fire when every selected workload runs as one service account', () => {
    expect(run(serviceIdentitiesWithoutSan, docs(serviceEntry(), entry('reviews-1', 'reviews'), entry('reviews-2', 'reviews'), group('reviews-vms', 'reviews', '{ app: reviews }')))).toEqual([]);
  });

  it('does not fire when the other identities are outside the selector', () => {
    const yaml = docs(serviceEntry(), entry('reviews-1', 'reviews'), entry('batch-1', 'batch', '{ app: batch }'), entry('batch-2', 'batch', '{ app: reviews }', 'jobs'), group('batch-vms', 'batch', '{ app: batch }'));
    expect(run(serviceIdentitiesWithoutSan, yaml)).toEqual([]);
  });

  it('does not fire for a ServiceEntry without a workloadSelector', () => {
    const inline = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews.shop.svc.cluster.local]
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  endpoints: [{ address: 10.0.0.1, serviceAccount: reviews }, { address: 10.0.0.2, serviceAccount: batch }]
`;
    expect(run(serviceIdentitiesWithoutSan, docs(inline, entry('reviews-1', 'reviews'), entry('batch-1', 'batch')))).toEqual([]);
  });
});
