export * from './spiffe.ts';
export * from './join-token.ts';
export { isDnsLabel, isDnsName } from './dns-label.ts';
export type { CredentialLedger, CredentialAuditEntry, AuditQuery, TrustDomainOwner } from './credential-ledger.ts';
export { PLATFORM_TRUST_DOMAIN, XDS_SERVER_SPIFFE_ID, meshTrustDomain, reservedTrustDomainProblem } from './trust-domain-policy.ts';
export * from './certificate-auth.ts';
export { verifyCertificateAuth } from './verify-certificate-auth.ts';
export type { PresentedCertificate, VerifyCertificateAuthInput } from './verify-certificate-auth.ts';
