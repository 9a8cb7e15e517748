import type { ExtAuthzHttp } from '../../../core/mesh/extension-providers.ts';
import { protoDuration } from '../envoy/duration.ts';
import type { ExtAuthzTarget } from './ext-authz-provider.ts';
import { EXT_AUTHZ_FILTER_NAME, EXT_AUTHZ_TYPE, RBAC_FILTER_NAME } from './security-types.ts';

/** The shadow RBAC filter's stat prefix; Envoy names its dynamic metadata `<prefix>shadow_effective_policy_id`. */
export const EXT_AUTHZ_SHADOW_PREFIX = 'istio_ext_authz_';
/** Prefix of the shadow policies' names: the ext_authz filter checks a request only when one of them matched. */
export const EXT_AUTHZ_POLICY_PREFIX = 'istio-ext-authz-';

// Istio's defaults: a decision may take up to 10 minutes, and an unreachable authorizer means 403.
const DEFAULT_TIMEOUT = { seconds: 600, nanos: 0 };
const DEFAULT_STATUS_ON_ERROR = 403;

/** Header names as Envoy string matchers: `prefix*`, `*suffix` or exact, case-insensitive. */
function headerMatchers(names: readonly string[] | undefined): Record<string, unknown> | undefined {
  if (!names || names.length === 0) return undefined;
  const patterns = names.map((n) => {
    if (n.endsWith('*')) return { prefix: n.slice(0, -1), ignore_case: true };
    if (n.startsWith('*')) return { suffix: n.slice(1), ignore_case: true };
    return { exact: n, ignore_case: true };
  });
  return { patterns };
}

const defined = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));

function httpService(target: ExtAuthzTarget, config: ExtAuthzHttp, timeout: unknown): Record<string, unknown> {
  const headersToAdd = Object.entries(config.includeAdditionalHeadersInCheck ?? {}).map(([key, value]) => ({ key, value }));
  return defined({
    server_uri: { uri: `http://${target.host}:${config.port}`, cluster: target.cluster, timeout },
    path_prefix: config.pathPrefix,
    authorization_request: defined({ allowed_headers: headerMatchers(config.includeRequestHeadersInCheck), headers_to_add: headersToAdd.length > 0 ? headersToAdd : undefined }),
    authorization_response: defined({
      allowed_upstream_headers: headerMatchers(config.headersToUpstreamOnAllow),
      allowed_client_headers: headerMatchers(config.headersToDownstreamOnDeny),
      allowed_client_headers_on_success: headerMatchers(config.headersToDownstreamOnAllow),
    }),
  });
}

/**
 * Envoy's ext_authz filter for one provider, enabled only for requests the shadow RBAC filter
 * before it marked (a CUSTOM rule matched); every other request passes without a check.
 */
export function extAuthzFilter(target: ExtAuthzTarget): Record<string, unknown> {
  const { config } = target;
  const timeout = (config.timeout ? protoDuration(config.timeout) : undefined) ?? DEFAULT_TIMEOUT;
  const body = config.includeRequestBodyInCheck;
  const service =
    target.kind === 'http'
      ? { http_service: httpService(target, config as ExtAuthzHttp, timeout) }
      : { grpc_service: { envoy_grpc: { cluster_name: target.cluster, authority: target.host }, timeout } };
  return {
    name: EXT_AUTHZ_FILTER_NAME,
    typed_config: defined({
      '@type': EXT_AUTHZ_TYPE,
      ...service,
      transport_api_version: 'V3',
      failure_mode_allow: config.failOpen ?? false,
      status_on_error: { code: config.statusOnError ? Number(config.statusOnError) : DEFAULT_STATUS_ON_ERROR },
      with_request_body: body ? defined({ max_request_bytes: body.maxRequestBytes, allow_partial_message: body.allowPartialMessage, pack_as_bytes: body.packAsBytes }) : undefined,
      clear_route_cache: config.clearRouteCache,
      filter_enabled_metadata: {
        filter: RBAC_FILTER_NAME,
        path: [{ key: `${EXT_AUTHZ_SHADOW_PREFIX}shadow_effective_policy_id` }],
        value: { string_match: { prefix: EXT_AUTHZ_POLICY_PREFIX } },
      },
    }),
  };
}
