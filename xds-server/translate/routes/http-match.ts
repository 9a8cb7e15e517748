import type { HttpMatchRequest, StringMatch } from '../mesh/mesh-model.ts';
import { JWT_PAYLOAD_METADATA_KEY } from '../security/jwt-claims.ts';
import { JWT_AUTHN_FILTER_NAME } from '../security/security-types.ts';
import { stringMatcher } from './string-matcher.ts';

const CLAIM_PREFIX = '@request.auth.claims.';

/** Whether a match's header name is Istio's JWT claim reference (`@request.auth.claims.groups`). */
export const isClaimHeader = (name: string) => name.startsWith(CLAIM_PREFIX);

/**
 * A JWT claim match on the payload jwt_authn verified (dynamic metadata): the claim equal to the
 * value or, for a list claim, containing it; `{}` means the claim is present. Nested claims are
 * dot-separated, as Istio writes them.
 */
function claimMatcher(name: string, match: StringMatch, invert: boolean): Record<string, unknown> {
  const path = [JWT_PAYLOAD_METADATA_KEY, ...name.slice(CLAIM_PREFIX.length).split('.')].map((key) => ({ key }));
  const matcher = stringMatcher(match);
  const value = matcher ? { or_match: { value_matchers: [{ string_match: matcher }, { list_match: { one_of: { string_match: matcher } } }] } } : { present_match: true };
  return { filter: JWT_AUTHN_FILTER_NAME, path, value, ...(invert ? { invert: true } : {}) };
}

/** An Envoy HeaderMatcher; `{}` (no exact/prefix/regex) means the header is present. */
function headerMatcher(name: string, match: StringMatch, invert: boolean): Record<string, unknown> {
  const matcher = stringMatcher(match);
  // Envoy compares header names lower-cased, as HTTP/2 sends them.
  const header: Record<string, unknown> = { name: name.toLowerCase() };
  if (matcher) header['string_match'] = matcher;
  else header['present_match'] = true;
  if (invert) header['invert_match'] = true;
  return header;
}

function pathMatch(uri: StringMatch | undefined, ignoreCase: boolean): Record<string, unknown> {
  if (!uri || (uri.exact === undefined && uri.prefix === undefined && uri.regex === undefined)) return { prefix: '/' };
  if (uri.regex !== undefined) return { safe_regex: { regex: ignoreCase ? `(?i)${uri.regex}` : uri.regex } };
  const match: Record<string, unknown> = uri.exact !== undefined ? { path: uri.exact } : { prefix: uri.prefix };
  if (ignoreCase) match['case_sensitive'] = { value: false };
  return match;
}

/** The Envoy RouteMatch of one Istio HTTPMatchRequest (none: every request). */
export function routeMatch(m: HttpMatchRequest | undefined): Record<string, unknown> {
  const match = pathMatch(m?.uri, m?.ignoreUriCase === true);
  if (!m) return match;
  const headers: Record<string, unknown>[] = [];
  // Istio's method, authority and scheme are the HTTP/2 pseudo-headers.
  if (m.method) headers.push(headerMatcher(':method', m.method, false));
  if (m.authority) headers.push(headerMatcher(':authority', m.authority, false));
  if (m.scheme) headers.push(headerMatcher(':scheme', m.scheme, false));
  const claims: Record<string, unknown>[] = [];
  for (const [key, invert] of [['headers', false], ['withoutHeaders', true]] as const) {
    for (const [name, value] of Object.entries(m[key] ?? {})) {
      if (isClaimHeader(name)) claims.push(claimMatcher(name, value, invert));
      else headers.push(headerMatcher(name, value, invert));
    }
  }
  if (headers.length > 0) match['headers'] = headers;
  if (claims.length > 0) match['dynamic_metadata'] = claims;
  const query = Object.entries(m.queryParams ?? {}).map(([name, value]) => {
    const matcher = stringMatcher(value);
    return matcher ? { name, string_match: matcher } : { name, present_match: true };
  });
  if (query.length > 0) match['query_parameters'] = query;
  return match;
}
