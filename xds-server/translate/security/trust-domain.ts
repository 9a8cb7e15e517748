import { meshTrustDomain } from '../../../core/identity/trust-domain-policy.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';

/** The mesh's SPIFFE trust domain, exactly as the CA issues into it. */
export function trustDomainOf(index: Pick<MeshIndex, 'settings' | 'tenantId' | 'mesh'>): string {
  try {
    return meshTrustDomain(index.tenantId, index.mesh, index.settings);
  } catch {
    // Names that cannot form a DNS trust domain get no certificates; any stable value will do.
    return `${index.mesh}.${index.tenantId}.trellis.local`;
  }
}
