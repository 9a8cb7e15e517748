import { CORS_FILTER_NAME, FAULT_FILTER_NAME } from '../envoy/traffic-extension-types.ts';
import type { HttpRoute } from '../mesh/mesh-model.ts';
import { corsPolicy } from './cors.ts';
import { faultConfig } from './fault.ts';
import type { RouteContext } from './route-context.ts';

/** Route `typed_per_filter_config` for a rule's fault and CORS policy (the sidecar listener carries both filters). */
export function perFilterConfig(ctx: RouteContext, rule: HttpRoute, origin: { source: string; field: string }): Record<string, unknown> {
  if (!rule.fault && !rule.corsPolicy) return {};
  if (ctx.flavour !== 'sidecar') {
    for (const key of ['fault', 'corsPolicy'] as const) {
      if (rule[key]) ctx.issues.push({ resource: origin.source, field: `${origin.field}.${key}`, message: 'not applied to proxyless gRPC clients' });
    }
    return {};
  }
  const config: Record<string, unknown> = {};
  if (rule.fault) {
    const built = faultConfig(rule.fault);
    if ('problem' in built) ctx.issues.push({ resource: origin.source, field: `${origin.field}.fault`, message: `${built.problem}; fault dropped` });
    else config[FAULT_FILTER_NAME] = built.config;
  }
  if (rule.corsPolicy) config[CORS_FILTER_NAME] = corsPolicy(rule.corsPolicy);
  return Object.keys(config).length > 0 ? { typed_per_filter_config: config } : {};
}
