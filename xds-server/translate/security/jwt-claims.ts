import { JWT_AUTHN_FILTER_NAME } from './security-types.ts';
import { orIds, UntranslatableError, type Rbac } from './rbac-sets.ts';
import { wildcardMatcher } from './istio-patterns.ts';

/** Where jwt_authn puts a verified token's payload: dynamic metadata `envoy.filters.http.jwt_authn` → `payload`. */
export const JWT_PAYLOAD_METADATA_KEY = 'payload';

function claimAt(path: readonly string[], value: Rbac): Rbac {
  return { metadata: { filter: JWT_AUTHN_FILTER_NAME, path: [JWT_PAYLOAD_METADATA_KEY, ...path].map((key) => ({ key })), value } };
}

/** A claim (at `path` in the payload) equal to `value`, or a list claim containing it. */
export function claimMatches(path: readonly string[], value: string): Rbac {
  const matcher = wildcardMatcher(value);
  return orIds([claimAt(path, { string_match: matcher }), claimAt(path, { list_match: { one_of: { string_match: matcher } } })]);
}

/** A verified token is present. */
export const HAS_REQUEST_PRINCIPAL: Rbac = claimAt(['iss'], { present_match: true });

/**
 * A request principal `<iss>/<sub>`: issuers are URLs, so the subject starts after the last `/`.
 * `*` is any verified token; either side may be `*` (present). Partial wildcards cannot be
 * split into issuer and subject and are reported.
 */
export function requestPrincipalMatcher(value: string, field: string): Rbac {
  if (value === '*') return HAS_REQUEST_PRINCIPAL;
  const slash = value.lastIndexOf('/');
  const iss = slash < 0 ? value : value.slice(0, slash);
  const sub = slash < 0 ? '*' : value.slice(slash + 1);
  const part = (name: string, text: string): Rbac => {
    if (text === '*') return claimAt([name], { present_match: true });
    if (text.includes('*')) throw new UntranslatableError(field, `"${value}": a partial wildcard in a request principal is not translated`);
    return claimAt([name], { string_match: { exact: text } });
  };
  return { and_ids: { ids: [part('iss', iss), part('sub', sub)] } };
}
