/** A SPIFFE ID of the mesh: `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`. */
export const spiffeId = (trustDomain: string, namespace: string, serviceAccount: string) => `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;

/** Every identity of the trust domain. */
export const trustDomainPrefix = (trustDomain: string) => `spiffe://${trustDomain}/`;

/** `match_typed_subject_alt_names` entries: these exact URI SANs, or any URI SAN of the trust domain. */
export function uriSanMatchers(trustDomain: string, exactIds: readonly string[]): Record<string, unknown>[] {
  if (exactIds.length === 0) return [{ san_type: 'URI', matcher: { prefix: trustDomainPrefix(trustDomain) } }];
  return [...new Set(exactIds)].sort().map((id) => ({ san_type: 'URI', matcher: { exact: id } }));
}
