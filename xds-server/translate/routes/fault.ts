import { protoDuration } from '../envoy/duration.ts';
import { FAULT_TYPE } from '../envoy/traffic-extension-types.ts';
import type { HttpRoute } from '../mesh/mesh-model.ts';

type Fault = NonNullable<HttpRoute['fault']>;

// gRPC status names Istio accepts in `abort.grpcStatus`, as Envoy's numeric codes.
const GRPC_CODES: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** Istio's `percentage.value` (a double) as Envoy's FractionalPercent; Istio means 100% when unset. */
export function fractionalPercent(value: number | undefined): Record<string, unknown> {
  if (value === undefined) return { numerator: 100, denominator: 'HUNDRED' };
  return { numerator: Math.round(value * 10_000), denominator: 'MILLION' };
}

function grpcCode(status: string): number | undefined {
  return /^\d+$/.test(status) ? Number(status) : GRPC_CODES[status.toUpperCase()];
}

/**
 * The per-route HTTPFault (typed_per_filter_config of envoy.filters.http.fault). The fields
 * unsupported.ts rejects (exponentialDelay, http2Error) never reach here.
 */
export function faultConfig(fault: Fault): { config: Record<string, unknown> } | { problem: string } {
  const config: Record<string, unknown> = { '@type': FAULT_TYPE };
  const delay = fault.delay;
  if (delay?.fixedDelay) {
    const percent = delay.percentage?.value ?? (delay.percent !== undefined ? delay.percent : undefined);
    config['delay'] = { fixed_delay: protoDuration(delay.fixedDelay), percentage: fractionalPercent(percent) };
  }
  const abort = fault.abort;
  if (abort) {
    const percentage = fractionalPercent(abort.percentage?.value);
    if (abort.httpStatus !== undefined) config['abort'] = { http_status: abort.httpStatus, percentage };
    else if (abort.grpcStatus !== undefined) {
      const code = grpcCode(abort.grpcStatus);
      if (code === undefined) return { problem: `grpcStatus ${abort.grpcStatus} is not a gRPC status name or code` };
      config['abort'] = { grpc_status: code, percentage };
    }
  }
  return { config };
}
