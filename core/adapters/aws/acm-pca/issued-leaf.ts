import { CertificateAuthorityError } from '../../../ca/errors.ts';
import type { CheckedCsr } from '../../../ca/csr.ts';
import { x509 } from '../../../ca/x509.ts';

/**
 * Refuses to hand out a certificate that is not for the CSR's key and exactly the requested
 * SPIFFE ID, whatever the backend's template did: a wrong identity must never reach a workload.
 */
export function checkIssuedLeaf(leafPem: string, csr: CheckedCsr, spiffeId: string): x509.X509Certificate {
  let leaf: x509.X509Certificate;
  try {
    leaf = new x509.X509Certificate(leafPem);
  } catch (err) {
    throw new CertificateAuthorityError('ACM PCA returned a certificate that cannot be parsed', { cause: err });
  }
  if (!Buffer.from(leaf.publicKey.rawData).equals(Buffer.from(csr.publicKey.rawData))) {
    throw new CertificateAuthorityError('ACM PCA returned a certificate for another public key');
  }
  const names = leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  if (names.length !== 1 || names[0]?.type !== 'url' || names[0].value !== spiffeId) {
    throw new CertificateAuthorityError(`ACM PCA returned a certificate whose SANs ${JSON.stringify(names)} are not exactly ${spiffeId}`);
  }
  return leaf;
}
