import { protoDuration } from '../envoy/duration.ts';
import type { TrafficPolicy } from '../mesh/mesh-model.ts';

/** `outlier_detection` (and the panic threshold from minHealthPercent), as Istio builds them. */
export function outlierDetectionFields(policy: TrafficPolicy): Record<string, unknown> {
  const od = policy.outlierDetection;
  if (!od) return {};
  // Istio turns success-rate ejection off: only the consecutive-error rules it names apply.
  const detection: Record<string, unknown> = { enforcing_success_rate: { value: 0 } };
  const errors5xx = od.consecutive5xxErrors ?? od.consecutiveErrors;
  if (errors5xx !== undefined) {
    detection['consecutive_5xx'] = { value: errors5xx };
    detection['enforcing_consecutive_5xx'] = { value: errors5xx > 0 ? 100 : 0 };
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    detection['consecutive_gateway_failure'] = { value: od.consecutiveGatewayErrors };
    // Envoy enforces gateway failures at 0% unless told otherwise; Istio means them to eject.
    detection['enforcing_consecutive_gateway_failure'] = { value: od.consecutiveGatewayErrors > 0 ? 100 : 0 };
  }
  if (od.splitExternalLocalOriginErrors) {
    detection['split_external_local_origin_errors'] = true;
    if (od.consecutiveLocalOriginFailures !== undefined) {
      detection['consecutive_local_origin_failure'] = { value: od.consecutiveLocalOriginFailures };
      detection['enforcing_consecutive_local_origin_failure'] = { value: 100 };
    }
  }
  if (od.interval) detection['interval'] = protoDuration(od.interval);
  if (od.baseEjectionTime) detection['base_ejection_time'] = protoDuration(od.baseEjectionTime);
  if (od.maxEjectionPercent !== undefined) detection['max_ejection_percent'] = { value: od.maxEjectionPercent };
  const fields: Record<string, unknown> = { outlier_detection: detection };
  if (od.minHealthPercent !== undefined) fields['common_lb_config'] = { healthy_panic_threshold: { value: od.minHealthPercent } };
  return fields;
}
