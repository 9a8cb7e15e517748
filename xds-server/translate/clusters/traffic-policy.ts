import { protoDuration } from '../envoy/duration.ts';
import type { TrafficPolicy } from '../mesh/mesh-model.ts';
import type { TranslationIssue } from '../translation-result.ts';

export interface PolicyOrigin {
  source: string;
  /** Path of the policy in its resource, e.g. `spec.subsets[1].trafficPolicy`. */
  field: string;
}

const LB_POLICIES: Record<string, string> = {
  ROUND_ROBIN: 'ROUND_ROBIN',
  LEAST_REQUEST: 'LEAST_REQUEST',
  // Istio maps the deprecated LEAST_CONN to Envoy's least-request balancer too.
  LEAST_CONN: 'LEAST_REQUEST',
  RANDOM: 'RANDOM',
};

const TRANSLATED = new Set(['loadBalancer', 'connectionPool', 'outlierDetection', 'portLevelSettings']);

/** The part of a DestinationRule policy that applies to `port`: port-level settings replace top-level ones. */
export function policyForPort(policy: TrafficPolicy | undefined, port: number): TrafficPolicy | undefined {
  if (!policy) return undefined;
  const level = policy.portLevelSettings?.find((p) => p.port?.number === port);
  return level ? { ...policy, ...level } : policy;
}

/** Cluster fields from a DestinationRule traffic policy; what is not translated yet is reported. */
export function clusterPolicyFields(policy: TrafficPolicy | undefined, origin: PolicyOrigin, issues: TranslationIssue[]): Record<string, unknown> {
  if (!policy) return {};
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(policy)) {
    if (!TRANSLATED.has(key)) issues.push({ resource: origin.source, field: `${origin.field}.${key}`, message: 'not translated yet; ignored' });
  }
  const simple = policy.loadBalancer?.simple;
  if (simple && simple !== 'UNSPECIFIED') {
    const lb = LB_POLICIES[simple];
    if (lb) fields['lb_policy'] = lb;
    else issues.push({ resource: origin.source, field: `${origin.field}.loadBalancer.simple`, message: `${simple} is not translated yet; round robin used` });
  }
  if (policy.loadBalancer?.consistentHash) {
    issues.push({ resource: origin.source, field: `${origin.field}.loadBalancer.consistentHash`, message: 'not translated yet; ignored' });
  }
  const pool = policy.connectionPool;
  const untranslatedPool = [...Object.keys(pool?.tcp ?? {}).filter((k) => k !== 'connectTimeout').map((k) => `tcp.${k}`), ...(pool?.http ? ['http'] : [])];
  for (const key of untranslatedPool) issues.push({ resource: origin.source, field: `${origin.field}.connectionPool.${key}`, message: 'not translated yet; ignored' });
  const connectTimeout = pool?.tcp?.connectTimeout;
  if (connectTimeout) fields['connect_timeout'] = protoDuration(connectTimeout);
  const od = policy.outlierDetection;
  if (od) {
    const detection: Record<string, unknown> = {};
    const errors5xx = od.consecutive5xxErrors ?? od.consecutiveErrors;
    if (errors5xx !== undefined) detection['consecutive_5xx'] = { value: errors5xx };
    if (od.consecutiveGatewayErrors !== undefined) {
      detection['consecutive_gateway_failure'] = { value: od.consecutiveGatewayErrors };
      // Envoy enforces gateway failures at 0% unless told otherwise; Istio means them to eject.
      detection['enforcing_consecutive_gateway_failure'] = { value: 100 };
    }
    if (od.interval) detection['interval'] = protoDuration(od.interval);
    if (od.baseEjectionTime) detection['base_ejection_time'] = protoDuration(od.baseEjectionTime);
    if (od.maxEjectionPercent !== undefined) detection['max_ejection_percent'] = { value: od.maxEjectionPercent };
    fields['outlier_detection'] = detection;
  }
  return fields;
}
