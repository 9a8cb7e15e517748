import { buildSpiffeId } from '../../core/identity/spiffe.ts';
import { meshTrustDomain, reservedTrustDomainProblem } from '../../core/identity/trust-domain-policy.ts';
import { ForbiddenError } from '../../core/errors.ts';
import type { MeshRecord } from '../../core/store/config-store.ts';
import type { ApiDependencies, CertificateIssuing } from '../dependencies.ts';
import { HttpProblemError } from '../problem.ts';

export function requireIssuing(deps: ApiDependencies): CertificateIssuing {
  if (!deps.certificates) throw new HttpProblemError(503, 'Not configured', 'This deployment issues no workload certificates (no CA configured).');
  return deps.certificates;
}

export interface MeshIdentity {
  trustDomain: string;
  spiffeId: string;
}

/** The SPIFFE ID a workload of `mesh` gets; ForbiddenError when the mesh's trust domain is reserved. */
export function identityFor(tenantId: string, mesh: MeshRecord, who: { namespace: string; serviceAccount: string }): MeshIdentity {
  const trustDomain = meshTrustDomain(tenantId, mesh.name, mesh.settings);
  const reserved = reservedTrustDomainProblem(tenantId, mesh.name, trustDomain);
  if (reserved) throw new ForbiddenError(`Mesh "${mesh.name}" cannot issue certificates: ${reserved}.`);
  const built = buildSpiffeId({ trustDomain, namespace: who.namespace, serviceAccount: who.serviceAccount });
  if (!built.ok) throw new ForbiddenError(`Mesh "${mesh.name}" cannot form a SPIFFE ID: ${built.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  return { trustDomain, spiffeId: built.value };
}
