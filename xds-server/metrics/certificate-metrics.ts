import { Counter, type Registry } from 'prom-client';
import type { CertificateAuthority } from '../../core/ca/certificate-authority.ts';
import { observingIssues } from '../../core/ca/observing-issues.ts';

/**
 * The CA as the certificate API sees it, counting what it signs (Istio:
 * `citadel_server_success_cert_issuance_count`), so the API routes need no metrics code.
 */
export function countingCertificateAuthority(ca: CertificateAuthority, registry: Registry): CertificateAuthority {
  const issued = new Counter({ name: 'trellis_certificates_issued_total', help: 'Workload certificates issued', registers: [registry] });
  const failed = new Counter({ name: 'trellis_certificate_failures_total', help: 'Certificate requests the CA failed to sign', registers: [registry] });
  return observingIssues(ca, { issued: () => issued.inc(), failed: () => failed.inc() });
}
