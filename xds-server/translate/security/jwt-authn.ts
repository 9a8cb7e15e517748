import { protoDuration } from '../envoy/duration.ts';
import type { Named, TranslationIssue } from '../translation-result.ts';
import { jwksCluster, jwksTarget } from './jwks-cluster.ts';
import { JWT_PAYLOAD_METADATA_KEY } from './jwt-claims.ts';
import { JWT_AUTHN_FILTER_NAME, JWT_AUTHN_TYPE } from './security-types.ts';
import type { RequestAuthenticationEntry } from './security-policies.ts';

type JwtRule = NonNullable<RequestAuthenticationEntry['spec']['jwtRules']>[number];

// Istio's defaults for fetching a remote JWKS.
const JWKS_TIMEOUT = { seconds: 5, nanos: 0 };
const JWKS_CACHE = { seconds: 1200, nanos: 0 };

export interface JwtAuthn {
  filter: Record<string, unknown> | undefined;
  /** One cluster per remote JWKS host. */
  clusters: Named[];
}

function provider(rule: JwtRule, source: string, field: string, clusters: Map<string, Named>, issues: TranslationIssue[], clearRouteCache: boolean): Record<string, unknown> | undefined {
  const p: Record<string, unknown> = { issuer: rule.issuer, forward: rule.forwardOriginalToken ?? false, payload_in_metadata: JWT_PAYLOAD_METADATA_KEY };
  if (clearRouteCache) p['clear_route_cache'] = true;
  if (rule.audiences?.length) p['audiences'] = rule.audiences;
  if (rule.fromHeaders?.length) p['from_headers'] = rule.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix !== undefined ? { value_prefix: h.prefix } : {}) }));
  if (rule.fromParams?.length) p['from_params'] = rule.fromParams;
  if (rule.fromCookies?.length) p['from_cookies'] = rule.fromCookies;
  if (rule.outputPayloadToHeader) p['forward_payload_header'] = rule.outputPayloadToHeader;
  if (rule.outputClaimToHeaders?.length) p['claim_to_headers'] = rule.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  if (rule.spaceDelimitedClaims?.length) p['normalize_payload_in_metadata'] = { space_delimited_claims: rule.spaceDelimitedClaims };
  const uri = rule.jwksUri ?? rule.jwks_uri;
  if (rule.jwks !== undefined) {
    p['local_jwks'] = { inline_string: rule.jwks };
  } else if (uri !== undefined) {
    const target = jwksTarget(uri);
    if (!target) {
      issues.push({ resource: source, field: `${field}.jwksUri`, message: `"${uri}" is not an http(s) URL; tokens of this issuer never verify` });
      return undefined;
    }
    clusters.set(target.cluster, jwksCluster(target));
    p['remote_jwks'] = {
      http_uri: { uri, cluster: target.cluster, timeout: (rule.timeout && protoDuration(rule.timeout)) ?? JWKS_TIMEOUT },
      cache_duration: JWKS_CACHE,
      // Do not hold the listener until the JWKS host answers.
      async_fetch: {},
    };
  } else {
    // Istio would discover the JWKS through OpenID discovery, which is network work translation never does.
    issues.push({ resource: source, field, message: 'neither jwks nor jwksUri is set; OpenID discovery is not supported; tokens of this issuer never verify' });
    return undefined;
  }
  return p;
}

/**
 * RequestAuthentications as one jwt_authn filter, Istio's semantics: a token from a known
 * issuer must verify (else 401); a request without a token passes, and AuthorizationPolicy
 * `requestPrincipals` decides whether it may. `clearRouteCache` (gateways) routes again once a
 * token verified, so that routes matching its claims (in dynamic metadata) can be chosen.
 */
export function jwtAuthn(entries: readonly RequestAuthenticationEntry[], issues: TranslationIssue[], options: { clearRouteCache?: boolean } = {}): JwtAuthn {
  const providers: Record<string, Record<string, unknown>> = {};
  const clusters = new Map<string, Named>();
  for (const entry of entries) {
    if (entry.spec.targetRef || entry.spec.targetRefs) {
      issues.push({ resource: entry.source, field: 'spec.targetRef', message: 'targetRef is not supported; policy ignored' });
      continue;
    }
    entry.spec.jwtRules?.forEach((rule, i) => {
      const field = `spec.jwtRules[${i}]`;
      if (!rule.issuer) return;
      if (providers[rule.issuer]) {
        issues.push({ resource: entry.source, field: `${field}.issuer`, message: `issuer ${rule.issuer} is configured by an earlier RequestAuthentication; ignored here` });
        return;
      }
      const p = provider(rule, entry.source, field, clusters, issues, options.clearRouteCache === true);
      if (p) providers[rule.issuer] = p;
    });
  }
  const names = Object.keys(providers);
  if (names.length === 0) return { filter: undefined, clusters: [] };
  const filter = {
    name: JWT_AUTHN_FILTER_NAME,
    typed_config: {
      '@type': JWT_AUTHN_TYPE,
      providers,
      rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [...names.map((provider_name) => ({ provider_name })), { allow_missing: {} }] } } }],
      bypass_cors_preflight: true,
    },
  };
  return { filter, clusters: [...clusters.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) };
}
