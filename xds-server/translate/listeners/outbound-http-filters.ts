import { CORS_FILTER_NAME, CORS_TYPE, DFP_FILTER_NAME, DFP_FILTER_TYPE, FAULT_FILTER_NAME, FAULT_TYPE } from '../envoy/traffic-extension-types.ts';
import { passthroughDnsCache } from '../clusters/passthrough-cluster.ts';

/**
 * HTTP filters of the sidecar's outbound listener, always present so adding a fault or CORS
 * policy changes only routes: CORS first (preflights are answered even when a fault applies),
 * then fault injection (configured per route), then the dynamic forward proxy, which acts only
 * on routes to the ALLOW_ANY passthrough cluster.
 */
export function outboundHttpFilters(forwardProxy = true): Record<string, unknown>[] {
  return [
    { name: CORS_FILTER_NAME, typed_config: { '@type': CORS_TYPE } },
    { name: FAULT_FILTER_NAME, typed_config: { '@type': FAULT_TYPE } },
    // REDIRECT mode passes through to the original destination instead: no forward proxy.
    ...(forwardProxy ? [{ name: DFP_FILTER_NAME, typed_config: { '@type': DFP_FILTER_TYPE, dns_cache_config: passthroughDnsCache() } }] : []),
  ];
}
