import { JOIN_TOKEN_ERRORS, verifyJoinToken } from '../../core/identity/join-token.ts';
import { parseCertificateAuthorization } from '../../core/identity/certificate-auth.ts';
import { verifyCertificateAuth } from '../../core/identity/verify-certificate-auth.ts';
import { meshTrustDomain } from '../../core/identity/trust-domain-policy.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../core/errors.ts';
import type { MeshRecord } from '../../core/store/config-store.ts';
import type { ApiDependencies, CertificateIssuing } from '../dependencies.ts';
import type { AttestationVerifier } from '../attestation/attested-credential.ts';
import { identityFor } from './certificate-issuing.ts';

/** Who a certificate request is from, as its credential proves it. */
export interface WorkloadCredential {
  kind: 'join-token' | 'certificate' | 'eks' | 'ecs';
  tenantId: string;
  mesh: MeshRecord;
  trustDomain: string;
  spiffeId: string;
  /** Join tokens: spent on success. */
  token?: { id: string; expiresAt: Date };
  /** Renewals: the serial of the certificate presented. */
  presentedSerial?: string;
}

export interface CredentialRequest {
  authorization: string | undefined;
  meshName: string;
  method: string;
  path: string;
  body: string;
  /** `Trellis-Tenant`: whose registered trust sources an attestation is checked against. */
  tenant?: string;
}

/** Filled in as the credential is read, so a refusal can still be audited with what was learnt. */
export interface CredentialTrace {
  kind: 'join-token' | 'certificate' | 'eks' | 'ecs' | 'none';
  tenantId?: string;
  tokenId?: string;
  spiffeId?: string;
  serialNumber?: string;
  /** What a platform attested (token subject, STS ARN). */
  subject?: string;
}

const HOW = 'Send `Authorization: Bearer <join token>`, `EksToken <service-account token>` or `AwsSts <signed GetCallerIdentity request>` for a first certificate, or `Authorization: TrellisCert ...` (see the API description) to renew.';

async function fromJoinToken(deps: ApiDependencies, issuing: CertificateIssuing, token: string, r: CredentialRequest, trace: CredentialTrace): Promise<WorkloadCredential> {
  trace.kind = 'join-token';
  const verified = verifyJoinToken(issuing.joinTokenSecrets, token, deps.now());
  if (!verified.ok) {
    const message = verified.errors[0]?.message ?? JOIN_TOKEN_ERRORS.malformed;
    throw new UnauthorizedError(`The join token ${message}.${message === JOIN_TOKEN_ERRORS.expired ? ' Ask for a new one with POST /v1/meshes/{mesh}/join-tokens.' : ''}`);
  }
  const claims = verified.value;
  trace.tenantId = claims.tenant;
  trace.tokenId = claims.jti;
  if (claims.mesh !== r.meshName) throw new ForbiddenError(`The join token is for mesh "${claims.mesh}", not "${r.meshName}".`);
  const mesh = await deps.store.getMesh(claims.tenant, claims.mesh);
  if (!mesh) throw new NotFoundError(`Mesh "${claims.mesh}" of the token's tenant does not exist (any more).`);
  const identity = identityFor(claims.tenant, mesh, claims);
  trace.spiffeId = identity.spiffeId;
  return { kind: 'join-token', tenantId: claims.tenant, mesh, ...identity, token: { id: claims.jti, expiresAt: new Date(claims.exp * 1000) } };
}

async function fromCertificate(deps: ApiDependencies, issuing: CertificateIssuing, header: string, r: CredentialRequest, trace: CredentialTrace): Promise<WorkloadCredential> {
  trace.kind = 'certificate';
  const parsed = parseCertificateAuthorization(header);
  if (!parsed.ok) throw new UnauthorizedError(`The TrellisCert credential ${parsed.errors[0]?.message ?? 'is malformed'}.`);
  const presented = verifyCertificateAuth({ auth: parsed.value, method: r.method, path: r.path, body: r.body, trustBundlePem: await issuing.ca.trustBundle(), now: deps.now() });
  if (!presented.ok) throw new UnauthorizedError(`The presented certificate is not accepted: ${presented.errors[0]?.message ?? 'invalid'}.`);
  const { identity, spiffeId, serialNumber } = presented.value;
  trace.spiffeId = spiffeId;
  trace.serialNumber = serialNumber;
  const owner = await issuing.ledger.trustDomainOwner(identity.trustDomain);
  if (!owner) throw new ForbiddenError(`Trust domain ${identity.trustDomain} belongs to no mesh.`);
  trace.tenantId = owner.tenantId;
  if (owner.mesh !== r.meshName) throw new ForbiddenError(`The certificate (${spiffeId}) belongs to mesh "${owner.mesh}", not "${r.meshName}".`);
  const mesh = await deps.store.getMesh(owner.tenantId, owner.mesh);
  if (!mesh) throw new ForbiddenError(`Mesh "${owner.mesh}" no longer exists; its certificates cannot be renewed.`);
  if (meshTrustDomain(owner.tenantId, mesh.name, mesh.settings) !== identity.trustDomain) {
    throw new ForbiddenError(`Mesh "${mesh.name}" changed its trust domain; join again with a join token.`);
  }
  const current = identityFor(owner.tenantId, mesh, identity);
  return { kind: 'certificate', tenantId: owner.tenantId, mesh, ...current, presentedSerial: serialNumber };
}

async function fromAttestation(issuing: CertificateIssuing, verifier: AttestationVerifier, kind: 'eks' | 'ecs', value: string, r: CredentialRequest, trace: CredentialTrace): Promise<WorkloadCredential> {
  trace.kind = kind;
  const input = { tenantId: r.tenant, meshName: r.meshName, body: r.body };
  const attested = kind === 'eks' ? await verifier.fromEksToken(value, input, trace) : await verifier.fromSignedStsRequest(value, input, trace);
  if (attested.onceId && !(await issuing.ledger.consumeOnce(attested.tenantId, attested.onceId.id, attested.onceId.expiresAt))) {
    throw new UnauthorizedError('This signed STS request was already used; sign a new one for each certificate request.');
  }
  return { kind, tenantId: attested.tenantId, mesh: attested.mesh, trustDomain: attested.trustDomain, spiffeId: attested.spiffeId };
}

/** Reads the Authorization header of a certificate request: a join token, or the current certificate. */
export async function authenticateWorkload(deps: ApiDependencies, issuing: CertificateIssuing, r: CredentialRequest, trace: CredentialTrace, attestation?: AttestationVerifier): Promise<WorkloadCredential> {
  const header = r.authorization;
  if (!header) throw new UnauthorizedError(`Missing Authorization header. ${HOW}`);
  const bearer = /^Bearer (\S{1,2048})$/i.exec(header);
  if (bearer) return fromJoinToken(deps, issuing, bearer[1]!, r, trace);
  if (header.startsWith('TrellisCert ')) return fromCertificate(deps, issuing, header, r, trace);
  const platform = /^(EksToken|AwsSts) (\S{1,8192})$/.exec(header);
  if (platform && attestation) return fromAttestation(issuing, attestation, platform[1] === 'EksToken' ? 'eks' : 'ecs', platform[2]!, r, trace);
  throw new UnauthorizedError(`Unsupported Authorization scheme. ${HOW}`);
}
