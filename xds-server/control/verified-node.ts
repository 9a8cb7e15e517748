import { parseSpiffeId } from '../../core/identity/spiffe.ts';
import { fail } from '../../core/result.ts';
import type { Result } from '../../core/result.ts';
import type { TrustDomainOwner } from '../../core/identity/credential-ledger.ts';
import type { PeerInfo, XdsNode } from '../server/index.ts';
import { describeNode, type ConnectingProxy } from './node-identity.ts';

/** The tenant mesh that owns a trust domain today, or undefined (unknown, deleted, or moved to another trust domain). */
export type TrustDomainResolver = (trustDomain: string) => Promise<TrustDomainOwner | undefined>;

const refuse = (message: string): Result<ConnectingProxy> => fail([{ path: 'peer.certificate', message }]);

/**
 * Describes a proxy connected over mTLS. grpc-js has already checked the chain against the
 * trust bundle; here the certificate's SPIFFE ID decides tenant, mesh, namespace and service
 * account, overriding whatever the node metadata claims.
 */
export async function describeVerifiedNode(node: XdsNode, peer: PeerInfo, owners: TrustDomainResolver): Promise<Result<ConnectingProxy>> {
  const cert = peer.authContext.sslPeerCertificate;
  if (!cert) return refuse('no verified client certificate');
  const uris = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
  if (uris.length !== 1) return refuse('the client certificate must carry exactly one URI SAN (a SPIFFE ID)');
  const spiffeId = uris[0]!;
  const parsed = parseSpiffeId(spiffeId);
  if (!parsed.ok) return refuse(`the client certificate's URI SAN is not a workload SPIFFE ID: ${parsed.errors[0]?.message ?? ''}`);
  const owner = await owners(parsed.value.trustDomain);
  if (!owner) return refuse(`trust domain ${parsed.value.trustDomain} belongs to no mesh`);
  const metadata = {
    ...node.metadata,
    TRELLIS_TENANT: owner.tenantId,
    TRELLIS_MESH: owner.mesh,
    NAMESPACE: parsed.value.namespace,
    SERVICE_ACCOUNT: parsed.value.serviceAccount,
  };
  const described = describeNode({ ...node, metadata });
  if (!described.ok) return described;
  const notAfter = new Date(cert.valid_to);
  return {
    ok: true,
    value: { ...described.value, certificate: { spiffeId, serialNumber: cert.serialNumber.toLowerCase(), notAfter: Number.isNaN(notAfter.getTime()) ? cert.valid_to : notAfter.toISOString() } },
  };
}
