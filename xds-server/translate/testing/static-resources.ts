import { HCM_TYPE } from '../envoy/extension-types.ts';
import { sdsClusterForValidation, usesSds } from '../security/testing/sds-cluster.ts';
import type { TranslationResult } from '../translation-result.ts';

type Obj = Record<string, unknown>;

const isAds = (value: unknown) => typeof value === 'object' && value !== null && 'ads' in value;

/**
 * A translation as Envoy `static_resources`, for `envoy --mode validate`:
 * RDS becomes an inline route_config and EDS clusters become STATIC with their load assignment.
 * api_listener listeners (proxyless gRPC) become socket listeners on an ephemeral port so Envoy
 * checks their HttpConnectionManager and routes too. Secrets served over ADS become static
 * secrets (an SdsSecretConfig without sds_config names a static one).
 */
export function staticResources(result: TranslationResult): { listeners: Obj[]; clusters: Obj[]; secrets: Obj[] } {
  const routes = new Map(result.routes.map((r) => [r.name, r.resource]));
  const assignments = new Map(result.endpoints.map((e) => [e.name, e.resource]));
  const listeners = result.listeners
    .map((l) => {
      const listener = structuredClone(l.resource);
      const api = listener['api_listener'] as Obj | undefined;
      if (api) {
        delete listener['api_listener'];
        listener['address'] = { socket_address: { address: '127.0.0.1', port_value: 0 } };
        listener['filter_chains'] = [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { ...(api['api_listener'] as Obj), stat_prefix: l.name } }] }];
      }
      for (const chain of (listener['filter_chains'] as Obj[] | undefined) ?? []) {
        for (const filter of (chain['filters'] as Obj[] | undefined) ?? []) {
          const hcm = filter['typed_config'] as Obj;
          if (hcm['@type'] !== HCM_TYPE || !hcm['rds']) continue;
          const name = (hcm['rds'] as Obj)['route_config_name'] as string;
          delete hcm['rds'];
          hcm['route_config'] = routes.get(name);
        }
      }
      return JSON.parse(JSON.stringify(listener), (key, value: unknown) => (key === 'sds_config' && isAds(value) ? undefined : value)) as Obj;
    });
  const clusters = result.clusters.map((c) => {
    const cluster = structuredClone(c.resource);
    if (cluster['type'] === 'EDS') {
      cluster['type'] = 'STATIC';
      delete cluster['eds_cluster_config'];
      cluster['load_assignment'] = assignments.get(c.name);
    }
    return cluster;
  });
  // The agent's bootstrap defines the SDS cluster; config that uses it is validated beside one.
  if (usesSds(result)) clusters.push(sdsClusterForValidation());
  return { listeners, clusters, secrets: (result.secrets ?? []).map((s) => s.resource) };
}
