import { protoDuration } from '../envoy/duration.ts';
import { CORS_POLICY_TYPE } from '../envoy/traffic-extension-types.ts';
import type { HttpRoute } from '../mesh/mesh-model.ts';
import { stringMatcher } from './string-matcher.ts';

type Cors = NonNullable<HttpRoute['corsPolicy']>;

/** The per-route CorsPolicy (typed_per_filter_config of envoy.filters.http.cors), as Istio builds it. */
export function corsPolicy(cors: Cors): Record<string, unknown> {
  const policy: Record<string, unknown> = { '@type': CORS_POLICY_TYPE };
  // The deprecated allowOrigin list is exact origins.
  const origins = [...(cors.allowOrigin ?? []).map((o) => ({ exact: o })), ...(cors.allowOrigins ?? [])];
  const matchers = origins.flatMap((o) => stringMatcher(o) ?? []);
  if (matchers.length > 0) policy['allow_origin_string_match'] = matchers;
  if (cors.allowMethods?.length) policy['allow_methods'] = cors.allowMethods.join(',');
  if (cors.allowHeaders?.length) policy['allow_headers'] = cors.allowHeaders.join(',');
  if (cors.exposeHeaders?.length) policy['expose_headers'] = cors.exposeHeaders.join(',');
  if (cors.maxAge) policy['max_age'] = String(protoDuration(cors.maxAge)?.seconds ?? 0);
  if (cors.allowCredentials !== undefined) policy['allow_credentials'] = { value: cors.allowCredentials };
  if (cors.unmatchedPreflights === 'FORWARD') policy['forward_not_matching_preflights'] = { value: true };
  else if (cors.unmatchedPreflights === 'IGNORE') policy['forward_not_matching_preflights'] = { value: false };
  return policy;
}
