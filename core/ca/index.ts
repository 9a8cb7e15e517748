export type { CertificateAuthority, IssueRequest, IssuedCertificate } from './certificate-authority.ts';
export { CertificateAuthorityError, CertificateAuthorityUnavailableError } from './errors.ts';
export { checkCsr, csrError, MAX_CSR_PEM_LENGTH } from './csr.ts';
export type { CheckedCsr } from './csr.ts';
export { checkIssueRequest, MAX_LEAF_TTL_SECONDS } from './issue-request.ts';
export type { CheckedIssueRequest } from './issue-request.ts';
export { x509 } from './x509.ts';
export { observingIssues, type IssueObserver } from './observing-issues.ts';
