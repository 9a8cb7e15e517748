import type { MeshService } from '../mesh/mesh-model.ts';
import { cidrRange } from '../security/istio-patterns.ts';

/**
 * The filter chain match for a ServiceEntry's `addresses` (VIPs and CIDR blocks): REDIRECT mode
 * knows each connection's original destination IP, so a port listener can tell services apart by
 * it. Undefined when the service lists none.
 */
export function destinationAddressMatch(service: MeshService): Record<string, unknown> | undefined {
  if (!service.addresses?.length) return undefined;
  return { prefix_ranges: service.addresses.map(cidrRange) };
}

/** Envoy refuses two filter chains with the same match: a key to keep the first (by host) and report the rest. */
export const matchKey = (match: unknown) => JSON.stringify(match ?? null);
