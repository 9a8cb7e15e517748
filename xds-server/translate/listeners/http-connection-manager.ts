import { adsConfigSource } from '../envoy/ads-config-source.ts';
import { HCM_TYPE, ROUTER_FILTER_NAME, ROUTER_TYPE } from '../envoy/extension-types.ts';

export type RouteSource = { rds: string } | { inline: Record<string, unknown> };

/** An HttpConnectionManager (as an Any) with routes from RDS over ADS or inline; `filters` run before the router, which is last. */
export function httpConnectionManager(statPrefix: string | undefined, routes: RouteSource, filters: readonly Record<string, unknown>[] = []): Record<string, unknown> {
  const hcm: Record<string, unknown> = { '@type': HCM_TYPE };
  if (statPrefix !== undefined) {
    hcm['stat_prefix'] = statPrefix;
    hcm['codec_type'] = 'AUTO';
  }
  if ('rds' in routes) hcm['rds'] = { route_config_name: routes.rds, config_source: adsConfigSource() };
  else hcm['route_config'] = routes.inline;
  hcm['http_filters'] = [...filters, { name: ROUTER_FILTER_NAME, typed_config: { '@type': ROUTER_TYPE } }];
  return hcm;
}

/** A listener filter chain holding one HttpConnectionManager. */
export function httpFilterChain(hcm: Record<string, unknown>): Record<string, unknown> {
  return { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] };
}
