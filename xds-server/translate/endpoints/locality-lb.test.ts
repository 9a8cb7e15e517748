import { describe, expect, it } from 'vitest';
import { applyLocalityPlan, failoverPriorities, localityMatches, localityPlan, parseLocality, rawFailoverPriority } from './locality-lb.ts';

const proxy = parseLocality('us-east/us-east-1a/rack1');
const od = { consecutive5xxErrors: 1 };

describe('failover priority (Istio scheme)', () => {
  it('ranks same subzone, zone, region, then other regions', () => {
    expect(rawFailoverPriority(proxy, parseLocality('us-east/us-east-1a/rack1'), undefined)).toBe(0);
    expect(rawFailoverPriority(proxy, parseLocality('us-east/us-east-1a/rack2'), undefined)).toBe(1);
    expect(rawFailoverPriority(proxy, parseLocality('us-east/us-east-1b'), undefined)).toBe(2);
    expect(rawFailoverPriority(proxy, parseLocality('eu-west/eu-west-1a'), undefined)).toBe(3);
  });

  it('puts the failover target region ahead of other regions', () => {
    const failover = [{ from: 'us-east', to: 'eu-west' }];
    expect(rawFailoverPriority(proxy, parseLocality('eu-west/eu-west-1a'), failover)).toBe(3);
    expect(rawFailoverPriority(proxy, parseLocality('ap-south/x'), failover)).toBe(4);
    // A rule for another region changes nothing.
    expect(rawFailoverPriority(proxy, parseLocality('ap-south/x'), [{ from: 'eu-west', to: 'us-east' }])).toBe(3);
  });

  it('renumbers without gaps: same zone 0, same region 1, failover region 2, others 3', () => {
    const p = parseLocality('us-east/us-east-1a');
    const localities = ['ap-south/x', 'eu-west/eu-west-1a', 'us-east/us-east-1a', 'us-east/us-east-1b'];
    expect(failoverPriorities(p, localities, [{ from: 'us-east', to: 'eu-west' }])).toEqual([3, 2, 0, 1]);
    expect(failoverPriorities(p, ['eu-west/a', 'us-east/us-east-1b'], undefined)).toEqual([1, 0]);
  });
});

describe('locality match', () => {
  it('treats * and missing parts below the region as wildcards', () => {
    expect(localityMatches(proxy, 'us-east/*')).toBe(true);
    expect(localityMatches(proxy, 'us-east')).toBe(true);
    expect(localityMatches(proxy, '*')).toBe(true);
    expect(localityMatches(proxy, 'us-east/us-east-1b/*')).toBe(false);
    expect(localityMatches(proxy, 'eu-west/*')).toBe(false);
  });
});

describe('locality plan', () => {
  it('fails over by default with outlier detection, not without', () => {
    expect(localityPlan({ outlierDetection: od }, 'us-east/a').plan.kind).toBe('failover');
    expect(localityPlan({}, 'us-east/a')).toEqual({ plan: { kind: 'none' } });
    expect(localityPlan({ outlierDetection: od }, undefined).plan.kind).toBe('none');
  });

  it('reports failover asked for without outlier detection', () => {
    const result = localityPlan({ loadBalancer: { localityLbSetting: { failover: [{ from: 'us-east', to: 'eu-west' }] } } }, 'us-east/a');
    expect(result.plan.kind).toBe('none');
    expect(result.problem).toMatch(/outlierDetection/);
  });

  it('is off when disabled', () => {
    expect(localityPlan({ outlierDetection: od, loadBalancer: { localityLbSetting: { enabled: false } } }, 'us-east/a').plan.kind).toBe('none');
  });

  it('distributes by the first entry matching the proxy', () => {
    const distribute: { from: string; to: Record<string, number> }[] = [
      { from: 'eu-west/*', to: { 'eu-west/*': 100 } },
      { from: 'us-east/us-east-1a/*', to: { 'us-east/us-east-1a/*': 80, 'us-east/us-east-1b/*': 20 } },
    ];
    const setting = { distribute };
    const { plan } = localityPlan({ loadBalancer: { localityLbSetting: setting } }, 'us-east/us-east-1a');
    expect(plan).toEqual({ kind: 'distribute', to: { 'us-east/us-east-1a/*': 80, 'us-east/us-east-1b/*': 20 } });
    expect(localityPlan({ loadBalancer: { localityLbSetting: setting } }, 'ap-south/x').plan.kind).toBe('none');
  });
});

describe('applying a plan', () => {
  it('splits a share among the localities it matches by their weights, and drops unmatched ones', () => {
    const groups = [
      { locality: 'eu-west/a', weight: 1 },
      { locality: 'us-east/a', weight: 1 },
      { locality: 'us-east/b', weight: 3 },
    ];
    expect(applyLocalityPlan({ kind: 'distribute', to: { 'us-east/*': 100 } }, groups)).toEqual([undefined, { weight: 25 }, { weight: 75 }]);
    expect(applyLocalityPlan({ kind: 'distribute', to: { 'us-east/a': 70, 'eu-west/*': 30, 'us-east/b': 0 } }, groups)).toEqual([{ weight: 30 }, { weight: 70 }, undefined]);
  });

  it('keeps weights and sets priorities for failover', () => {
    const groups = [
      { locality: 'us-east/a', weight: 2 },
      { locality: 'us-east/b', weight: 1 },
    ];
    expect(applyLocalityPlan({ kind: 'failover', proxy: parseLocality('us-east/b'), failover: undefined }, groups)).toEqual([
      { weight: 2, priority: 1 },
      { weight: 1, priority: 0 },
    ]);
  });
});
