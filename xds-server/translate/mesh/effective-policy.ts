import type { DestinationRuleEntry, TrafficPolicy } from './mesh-model.ts';

/** The part of a policy that applies to `port`: a matching portLevelSettings entry replaces the top-level fields it sets. */
export function policyForPort(policy: TrafficPolicy | undefined, port: number): TrafficPolicy | undefined {
  if (!policy) return undefined;
  const level = policy.portLevelSettings?.find((p) => p.port?.number === port);
  const { portLevelSettings: _levels, ...rest } = policy;
  if (!level) return rest;
  const { port: _port, ...fields } = level;
  return { ...rest, ...fields };
}

/**
 * Istio's merge for one subset and port: the DestinationRule's policy (with its port-level
 * settings), then the subset's (with its own), each field set by the subset replacing the whole
 * field of the rule.
 */
export function effectivePolicy(rule: DestinationRuleEntry | undefined, subset: string, port: number): TrafficPolicy | undefined {
  const top = policyForPort(rule?.spec.trafficPolicy, port);
  const own = subset ? policyForPort(rule?.spec.subsets?.find((s) => s.name === subset)?.trafficPolicy, port) : undefined;
  if (!top && !own) return undefined;
  return { ...top, ...own };
}
