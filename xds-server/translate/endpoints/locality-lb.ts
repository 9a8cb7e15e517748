import type { TrafficPolicy } from '../mesh/mesh-model.ts';

type LocalityLbSetting = NonNullable<NonNullable<TrafficPolicy['loadBalancer']>['localityLbSetting']>;

/** `region/zone/subzone` split into its parts; missing parts are empty. */
export interface LocalityParts {
  region: string;
  zone: string;
  subZone: string;
}

export function parseLocality(text: string): LocalityParts {
  const [region = '', zone = '', subZone = ''] = text.split('/');
  return { region, zone, subZone };
}

/**
 * Istio's `LocalityMatch`: a rule locality `region/zone/subzone` where `*` (and, below the region,
 * a missing part) matches anything.
 */
export function localityMatches(locality: LocalityParts, rule: string): boolean {
  const r = parseLocality(rule);
  const part = (want: string, have: string, optional: boolean) => want === '*' || (optional && want === '') || want === have;
  return part(r.region, locality.region, false) && part(r.zone, locality.zone, true) && part(r.subZone, locality.subZone, true);
}

/**
 * Istio's failover priority of an endpoint locality for a proxy: 0 same subzone, 1 same zone,
 * 2 same region, 3 another region, 4 a region the proxy's `failover` entry does not name (its
 * `to` is preferred). The caller compacts the numbers, since Envoy wants priorities without gaps.
 */
export function rawFailoverPriority(proxy: LocalityParts, endpoint: LocalityParts, failover: LocalityLbSetting['failover']): number {
  if (proxy.region === endpoint.region) {
    if (proxy.zone !== endpoint.zone) return 2;
    return proxy.subZone === endpoint.subZone ? 0 : 1;
  }
  const rule = failover?.find((f) => f.from === proxy.region);
  return rule && rule.to !== endpoint.region ? 4 : 3;
}

/** Priorities for each locality, renumbered 0..n-1 in the same order (Envoy rejects gaps). */
export function failoverPriorities(proxy: LocalityParts, localities: readonly string[], failover: LocalityLbSetting['failover']): number[] {
  const raw = localities.map((l) => rawFailoverPriority(proxy, parseLocality(l), failover));
  const levels = [...new Set(raw)].sort((a, b) => a - b);
  return raw.map((p) => levels.indexOf(p));
}

/** What locality load balancing does to one cluster for one proxy. */
export type LocalityPlan =
  | { kind: 'none' }
  /** The matching `distribute` entry's `to`: locality pattern → percentage of traffic. */
  | { kind: 'distribute'; to: Readonly<Record<string, number>> }
  | { kind: 'failover'; proxy: LocalityParts; failover: LocalityLbSetting['failover'] };

/**
 * Istio's `ApplyLocalityLoadBalancer` decision. The mesh default is locality LB enabled, so with
 * outlier detection a proxy with a locality fails over by priority even without a setting; a
 * distribution needs no outlier detection; `enabled: false` turns both off. `problem` is set when
 * the setting asks for failover that cannot happen.
 */
export function localityPlan(policy: TrafficPolicy | undefined, proxyLocality: string | undefined): { plan: LocalityPlan; problem?: string } {
  const setting = policy?.loadBalancer?.localityLbSetting;
  if (setting?.enabled === false) return { plan: { kind: 'none' } };
  const distributes = (setting?.distribute?.length ?? 0) > 0;
  const asksFailover = !distributes && ((setting?.failover?.length ?? 0) > 0 || setting?.enabled === true);
  if (!policy?.outlierDetection && asksFailover) {
    return { plan: { kind: 'none' }, problem: 'locality failover needs outlierDetection: without it no endpoint is ever ejected, so traffic never fails over' };
  }
  if (!proxyLocality) return { plan: { kind: 'none' } };
  const proxy = parseLocality(proxyLocality);
  if (distributes) {
    const rule = setting?.distribute?.find((d) => d.from !== undefined && localityMatches(proxy, d.from));
    return rule ? { plan: { kind: 'distribute', to: rule.to ?? {} } } : { plan: { kind: 'none' } };
  }
  if (!policy?.outlierDetection) return { plan: { kind: 'none' } };
  return { plan: { kind: 'failover', proxy, failover: setting?.failover } };
}

/** One locality group of a load assignment: its name and the sum of its endpoint weights. */
export interface LocalityGroup {
  locality: string;
  weight: number;
}

/** Per group: the weight and priority to serve, or undefined when the group gets no traffic. */
export type LocalityOutcome = { weight: number; priority?: number } | undefined;

/**
 * Applies a plan to the groups of one load assignment. Distribution is Istio's
 * `applyLocalityWeights`: each `to` entry claims the localities it matches (the first entry
 * wins) and splits its weight among them in proportion to their own weights; unclaimed
 * localities get no traffic. Failover keeps weights and sets priorities.
 */
export function applyLocalityPlan(plan: LocalityPlan, groups: readonly LocalityGroup[]): LocalityOutcome[] {
  if (plan.kind === 'none') return groups.map((g) => ({ weight: g.weight }));
  if (plan.kind === 'failover') {
    const priorities = failoverPriorities(plan.proxy, groups.map((g) => g.locality), plan.failover);
    return groups.map((g, i) => ({ weight: g.weight, priority: priorities[i] ?? 0 }));
  }
  const rules = Object.entries(plan.to);
  const claims = groups.map((g) => rules.findIndex(([rule]) => localityMatches(parseLocality(g.locality), rule)));
  const totals = rules.map((_, r) => groups.reduce((sum, g, i) => (claims[i] === r ? sum + g.weight : sum), 0));
  return groups.map((g, i) => {
    const r = claims[i] ?? -1;
    const share = rules[r]?.[1];
    const total = totals[r] ?? 0;
    if (share === undefined || total === 0) return undefined;
    const weight = Math.ceil((g.weight * share) / total);
    // A 0% share is no traffic; Envoy refuses a 0 locality weight, so the group is dropped.
    return weight > 0 ? { weight } : undefined;
  });
}
