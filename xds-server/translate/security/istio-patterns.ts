/** Istio's wildcard values: `*` (anything non-empty), `prefix*`, `*suffix`, or an exact value. */
export function wildcardMatcher(value: string, ignoreCase = false): Record<string, unknown> {
  const caseFields = ignoreCase ? { ignore_case: true } : {};
  if (value === '*') return { safe_regex: { regex: '.+' } };
  if (value.startsWith('*')) return { suffix: value.slice(1), ...caseFields };
  if (value.endsWith('*')) return { prefix: value.slice(0, -1), ...caseFields };
  return { exact: value, ...caseFields };
}

export const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An RE2 fragment for an Istio wildcard value, `*` standing for `wildcard`. */
export function wildcardRegex(value: string, wildcard: string): string {
  if (value === '*') return `${wildcard}+`;
  if (value.startsWith('*')) return `${wildcard}*${escapeRegex(value.slice(1))}`;
  if (value.endsWith('*')) return `${escapeRegex(value.slice(0, -1))}${wildcard}*`;
  return escapeRegex(value);
}

// Istio's default trust domain; policies written for any Istio mesh name it, and it means ours.
const ISTIO_DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** A trust domain as written in a policy, with `cluster.local` standing for the mesh's own. */
export function meshTrustDomain(written: string, trustDomain: string): string {
  return written === ISTIO_DEFAULT_TRUST_DOMAIN ? trustDomain : written;
}

/** The StringMatcher for a principal as Istio writes it (`<trust domain>/ns/<ns>/sa/<sa>`) against the peer's SPIFFE ID. */
export function principalMatcher(value: string, trustDomain: string): Record<string, unknown> {
  if (value === '*') return { safe_regex: { regex: '.+' } };
  if (value.startsWith('*')) return { suffix: value.slice(1) };
  const slash = value.indexOf('/');
  const id = slash < 0 ? `spiffe://${value}` : `spiffe://${meshTrustDomain(value.slice(0, slash), trustDomain)}${value.slice(slash)}`;
  return id.endsWith('*') ? { prefix: id.slice(0, -1) } : { exact: id };
}

/** The StringMatcher for a peer in `namespace` (wildcards allowed), any service account, any trust domain. */
export function namespaceMatcher(namespace: string): Record<string, unknown> {
  return { safe_regex: { regex: `spiffe://[^/]+/ns/${wildcardRegex(namespace, '[^/]')}/sa/[^/]+` } };
}

/** An Envoy CidrRange from `a.b.c.d`, `a.b.c.d/n` or an IPv6 form. */
export function cidrRange(value: string): Record<string, unknown> {
  const [address = value, length] = value.split('/');
  const full = address.includes(':') ? 128 : 32;
  return { address_prefix: address, prefix_len: { value: length === undefined ? full : Number(length) } };
}
