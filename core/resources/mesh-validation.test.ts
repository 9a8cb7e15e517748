import { describe, expect, it } from 'vitest';
import { validateMeshConfig } from './mesh-validation.ts';
import type { IstioResource } from './resource.ts';

const rule = (name: string, spec: Record<string, unknown>, namespace = 'default'): IstioResource => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name, namespace },
  spec,
});
const subset = (name: string, version: string) => ({ name, labels: { version } });

describe('validateMeshConfig', () => {
  it('flags one subset name defined with different labels for the same host', () => {
    const errors = validateMeshConfig([
      rule('reviews-a', { host: 'reviews', subsets: [subset('v1', 'v1')] }),
      rule('reviews', { host: 'reviews.default.svc.cluster.local', subsets: [subset('v2', 'v2'), subset('v1', 'v1-beta')] }),
    ]);
    expect(errors).toEqual([
      {
        path: 'DestinationRule/default/reviews: spec.subsets[1].labels',
        message: 'subset "v1" of host reviews.default.svc.cluster.local is also defined by DestinationRule/default/reviews-a (spec.subsets[0]) with different labels',
      },
    ]);
  });

  it('accepts the same subset with the same labels, in any key order', () => {
    const a = rule('a', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1', track: 'stable' } }] });
    const b = rule('b', { host: 'reviews', subsets: [{ name: 'v1', labels: { track: 'stable', version: 'v1' } }] });
    expect(validateMeshConfig([a, b])).toEqual([]);
  });

  it('does not compare rules in other namespaces or with other visibility', () => {
    expect(validateMeshConfig([rule('a', { host: 'reviews.shop.svc.cluster.local', subsets: [subset('v1', 'v1')] }, 'shop'), rule('b', { host: 'reviews.shop.svc.cluster.local', subsets: [subset('v1', 'v9')] }, 'ops')])).toEqual([]);
    expect(validateMeshConfig([rule('a', { host: 'reviews', subsets: [subset('v1', 'v1')], exportTo: ['.'] }), rule('b', { host: 'reviews', subsets: [subset('v1', 'v9')] })])).toEqual([]);
    expect(validateMeshConfig([rule('a', { host: 'reviews', subsets: [subset('v1', 'v1')] }), rule('b', { host: 'ratings', subsets: [subset('v1', 'v9')] })])).toEqual([]);
  });

  it('treats "." and the own namespace name as the same visibility', () => {
    const errors = validateMeshConfig([
      rule('a', { host: 'reviews', subsets: [subset('v1', 'v1')], exportTo: ['.'] }),
      rule('b', { host: 'reviews', subsets: [subset('v1', 'v2')], exportTo: ['default'] }),
    ]);
    expect(errors.map((e) => e.path)).toEqual(['DestinationRule/default/b: spec.subsets[0].labels']);
  });

  it('flags a second Sidecar without a workloadSelector in one namespace', () => {
    const sidecar = (name: string, spec: Record<string, unknown>): IstioResource => ({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name, namespace: 'prod' }, spec });
    const errors = validateMeshConfig([
      sidecar('default', { egress: [{ hosts: ['./*'] }] }),
      sidecar('ratings', { workloadSelector: { labels: { app: 'ratings' } }, egress: [{ hosts: ['./*'] }] }),
      sidecar('other', { egress: [{ hosts: ['istio-system/*'] }] }),
    ]);
    expect(errors).toEqual([{ path: 'Sidecar/prod/other: spec.workloadSelector', message: expect.stringContaining('Sidecar/prod/default') }]);
  });

  // Speed is measured in bench/, not asserted here: this checks the answer at that size.
  it('checks 10,000 resources and finds the one conflict', () => {
    const resources: IstioResource[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      resources.push(rule(`r${i}`, { host: `svc${i % 2500}`, subsets: [subset('v1', 'v1'), subset('v2', 'v2')] }, `ns${i % 7}`));
    }
    resources.push(rule('conflict', { host: 'svc1', subsets: [subset('v2', 'other')] }, 'ns1'));
    const errors = validateMeshConfig(resources);
    expect(errors.map((e) => e.path)).toEqual(['DestinationRule/ns1/conflict: spec.subsets[0].labels']);
  });
});
