/** Who owns a trust domain: the one tenant mesh whose workloads may carry it. */
export interface TrustDomainOwner {
  tenantId: string;
  mesh: string;
}

/** One certificate request, granted or refused. */
export interface CredentialAuditEntry {
  at: string;
  /** Unknown when the credential could not be read (bad signature, malformed). */
  tenantId?: string;
  mesh: string;
  credential: 'join-token' | 'certificate' | 'eks' | 'ecs' | 'none';
  outcome: 'issued' | 'refused';
  spiffeId?: string;
  /** The join token's id (never the token itself). */
  tokenId?: string;
  /** Serial number of the certificate issued, or of the one presented for renewal. */
  serialNumber?: string;
  notAfter?: string;
  /** What a platform attested: the registration and the token subject or STS ARN. */
  subject?: string;
  /** Why a request was refused, as the caller was told. */
  reason?: string;
  requestId?: string;
}

export interface AuditQuery {
  tenantId: string;
  mesh: string;
  /** Newest first; at most this many (default 100). */
  limit?: number;
}

/**
 * What the certificate API must remember across restarts: spent join tokens (each pays for one
 * certificate), which tenant mesh owns each trust domain (one CA signs for every mesh, so a
 * trust domain must never be shared), and an audit trail of every request.
 */
export interface CredentialLedger {
  /** True the first time a token id is spent; false ever after (until it has expired anyway). */
  consumeOnce(tenantId: string, tokenId: string, expiresAt: Date): Promise<boolean>;
  /** Records `owner` as the trust domain's owner unless another got there first; returns the owner. */
  claimTrustDomain(trustDomain: string, owner: TrustDomainOwner): Promise<TrustDomainOwner>;
  trustDomainOwner(trustDomain: string): Promise<TrustDomainOwner | undefined>;
  audit(entry: CredentialAuditEntry): Promise<void>;
  listAudit(query: AuditQuery): Promise<CredentialAuditEntry[]>;
  close(): Promise<void>;
}
