import { defaultTrustDomain } from './spiffe.ts';

/** Trellis's own identities (the xDS server) live here; no mesh may issue into it. */
export const PLATFORM_TRUST_DOMAIN = 'trellis.local';
export const XDS_SERVER_SPIFFE_ID = `spiffe://${PLATFORM_TRUST_DOMAIN}/ns/trellis-system/sa/xds-server`;

/** The mesh's trust domain: its setting, or `<mesh>.<tenant>.trellis.local`. */
export function meshTrustDomain(tenantId: string, mesh: string, settings: Record<string, unknown>): string {
  if (typeof settings.trustDomain === 'string' && settings.trustDomain !== '') return settings.trustDomain;
  const built = defaultTrustDomain(tenantId, mesh);
  if (!built.ok) throw new RangeError(`tenant ${tenantId} / mesh ${mesh} cannot form a trust domain`);
  return built.value;
}

/**
 * Why a mesh may not issue into `trustDomain`, or undefined. Everything under trellis.local is
 * reserved for Trellis and for the default trust domains, so a tenant cannot name another
 * tenant's default (or the xDS server's) and get certificates that others' proxies trust.
 */
export function reservedTrustDomainProblem(tenantId: string, mesh: string, trustDomain: string): string | undefined {
  const own = defaultTrustDomain(tenantId, mesh);
  if (own.ok && trustDomain === own.value) return undefined;
  if (trustDomain === PLATFORM_TRUST_DOMAIN || trustDomain.endsWith(`.${PLATFORM_TRUST_DOMAIN}`)) {
    return `trust domain ${trustDomain} is reserved (only ${own.ok ? own.value : '<mesh>.<tenant>.trellis.local'} may be used under ${PLATFORM_TRUST_DOMAIN})`;
  }
  return undefined;
}
