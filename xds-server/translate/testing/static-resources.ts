import { HCM_TYPE } from '../envoy/extension-types.ts';
import type { TranslationResult } from '../translation-result.ts';

type Obj = Record<string, unknown>;

/**
 * A bootstrap that carries a translation in `static_resources`, for `envoy --mode validate`:
 * RDS becomes an inline route_config and EDS clusters become STATIC with their load assignment.
 * api_listener listeners (proxyless gRPC) are left out: Envoy is not their consumer.
 */
export function staticBootstrap(result: TranslationResult): Obj {
  const routes = new Map(result.routes.map((r) => [r.name, r.resource]));
  const assignments = new Map(result.endpoints.map((e) => [e.name, e.resource]));
  const listeners = result.listeners
    .filter((l) => !l.resource['api_listener'])
    .map((l) => {
      const listener = structuredClone(l.resource);
      for (const chain of (listener['filter_chains'] as Obj[] | undefined) ?? []) {
        for (const filter of (chain['filters'] as Obj[] | undefined) ?? []) {
          const hcm = filter['typed_config'] as Obj;
          if (hcm['@type'] !== HCM_TYPE || !hcm['rds']) continue;
          const name = (hcm['rds'] as Obj)['route_config_name'] as string;
          delete hcm['rds'];
          hcm['route_config'] = routes.get(name);
        }
      }
      return listener;
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
  return { node: { id: 'validate', cluster: 'validate' }, static_resources: { listeners, clusters } };
}
