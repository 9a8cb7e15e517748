import { isDnsLabel } from '../../core/identity/dns-label.ts';
import { findEcsRole, findEksCluster, readRegistry, type AttestationRegistry } from '../../core/identity/attestation/registrations.ts';
import { readServiceAccountToken, verifyServiceAccountToken } from '../../core/identity/attestation/service-account-token.ts';
import { assumedRoleOf, attestationBinding, checkSignedStsRequest, decodeStsCredential } from '../../core/identity/attestation/signed-sts-request.ts';
import { ForbiddenError, UnauthorizedError } from '../../core/errors.ts';
import type { MeshRecord } from '../../core/store/config-store.ts';
import type { ApiDependencies, CertificateIssuing } from '../dependencies.ts';
import { identityFor, type MeshIdentity } from '../routes/certificate-issuing.ts';
import { JwksSource } from './jwks-source.ts';
import { StsCaller } from './sts-caller.ts';

/** Default tenant of attesting workloads (local mode has one tenant, `default`). */
export const DEFAULT_ATTESTATION_TENANT = 'default';

/** What a platform attested, and the identity Trellis derived from it. */
export interface Attested extends MeshIdentity {
  tenantId: string;
  mesh: MeshRecord;
  /** What the platform vouched for: the token's subject, or the ARN STS answered with. */
  subject: string;
  /** Signed STS requests are redeemed once (until they could no longer be sent to STS anyway). */
  onceId?: { id: string; expiresAt: Date };
}

export interface AttestationInput {
  tenantId: string | undefined;
  meshName: string;
  body: string;
}

/** Filled in as the attestation is read, so a refusal is audited with what was learnt. */
export interface AttestationTrace {
  tenantId?: string;
  subject?: string;
  spiffeId?: string;
}

/** The workload's platform identity → its Trellis identity, for EKS tokens and ECS task roles. */
export class AttestationVerifier {
  private readonly jwks: JwksSource;
  private readonly sts: StsCaller;

  constructor(
    private readonly deps: ApiDependencies,
    issuing: CertificateIssuing,
  ) {
    this.jwks = new JwksSource(issuing.attestation ?? {}, deps.now);
    this.sts = new StsCaller(issuing.attestation ?? {});
  }

  async fromEksToken(jwt: string, r: AttestationInput, trace: AttestationTrace): Promise<Attested> {
    const tenantId = this.tenant(r, trace);
    const token = readServiceAccountToken(jwt);
    if (!token.ok) throw new UnauthorizedError(`The service-account token ${token.errors[0]!.message}.`);
    const { mesh, registry } = await this.registryOf(tenantId, r.meshName);
    const cluster = findEksCluster(registry, token.value.issuer);
    if (!mesh || !cluster) {
      throw new UnauthorizedError(`No EKS cluster with issuer ${token.value.issuer} is registered for mesh "${r.meshName}" of tenant "${tenantId}"; register it with PUT /v1/meshes/${r.meshName}/attestation/eks-clusters/{name}.`);
    }
    const keys = await this.jwks.keysFor(cluster, token.value.kid);
    const verified = verifyServiceAccountToken({ token: token.value, issuer: cluster.issuer, audience: cluster.audience, keys, now: this.deps.now() });
    if (!verified.ok) throw new UnauthorizedError(`The service-account token ${verified.errors[0]!.message}.`);
    const who = verified.value;
    trace.subject = `${cluster.name}: ${who.subject}`;
    if (cluster.namespaces && !cluster.namespaces.includes(who.namespace)) {
      throw new ForbiddenError(`Namespace "${who.namespace}" of cluster "${cluster.name}" may not join mesh "${mesh.name}" (allowed: ${cluster.namespaces.join(', ')}).`);
    }
    const identity = identityFor(tenantId, mesh, who);
    trace.spiffeId = identity.spiffeId;
    return { tenantId, mesh, ...identity, subject: trace.subject };
  }

  async fromSignedStsRequest(credential: string, r: AttestationInput, trace: AttestationTrace): Promise<Attested> {
    const tenantId = this.tenant(r, trace);
    const decoded = decodeStsCredential(credential);
    if (!decoded.ok) throw new UnauthorizedError(`The signed STS request ${decoded.errors[0]!.message}.`);
    const checked = checkSignedStsRequest({
      request: decoded.value,
      expectedBinding: attestationBinding({ tenantId, mesh: r.meshName, body: r.body }),
      endpointAllowed: this.sts.endpointAllowed,
      now: this.deps.now(),
    });
    if (!checked.ok) throw new UnauthorizedError(`The signed STS request ${checked.errors[0]!.message}.`);
    const caller = await this.sts.callerOf(checked.value);
    trace.subject = caller.arn;
    const role = assumedRoleOf(caller);
    if (!role.ok) throw new ForbiddenError(`STS ${role.errors[0]!.message}.`);
    const { mesh, registry } = await this.registryOf(tenantId, r.meshName);
    const registered = findEcsRole(registry, role.value.roleKey);
    if (!mesh || !registered) {
      throw new ForbiddenError(`Role ${role.value.roleKey.split(':')[2]} of account ${caller.account} is not registered for mesh "${r.meshName}" of tenant "${tenantId}"; register it with PUT /v1/meshes/${r.meshName}/attestation/ecs-roles/{name}.`);
    }
    trace.subject = `${registered.name}: ${caller.arn}`;
    const identity = identityFor(tenantId, mesh, registered);
    trace.spiffeId = identity.spiffeId;
    // STS accepts a signature for 15 minutes; remembering it that long makes it single-use.
    const expiresAt = new Date(checked.value.signedAt.getTime() + 15 * 60_000);
    return { tenantId, mesh, ...identity, subject: trace.subject, onceId: { id: `sts:${checked.value.signature}`, expiresAt } };
  }

  private tenant(r: AttestationInput, trace: AttestationTrace): string {
    const tenantId = r.tenantId ?? DEFAULT_ATTESTATION_TENANT;
    if (!isDnsLabel(tenantId)) throw new UnauthorizedError('The Trellis-Tenant header must be a tenant id (a DNS label).');
    trace.tenantId = tenantId;
    return tenantId;
  }

  private async registryOf(tenantId: string, meshName: string): Promise<{ mesh?: MeshRecord; registry: AttestationRegistry }> {
    const mesh = await this.deps.store.getMesh(tenantId, meshName);
    return mesh ? { mesh, registry: readRegistry(mesh.settings) } : { registry: readRegistry({}) };
  }
}
