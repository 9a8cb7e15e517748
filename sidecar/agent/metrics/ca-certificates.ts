import { X509Certificate } from 'node:crypto';

/** A CA certificate the workload depends on: a root of its trust bundle or an intermediate of its chain. */
export interface CaCertificate {
  role: 'root' | 'intermediate';
  subject: string;
  serial: string;
  notAfter: Date;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Certificates of a PEM text that parse; a block that does not is left out, never fails the scrape. */
function parsed(pem: string): X509Certificate[] {
  return (pem.match(PEM_BLOCK) ?? []).flatMap((block) => {
    try {
      return [new X509Certificate(block)];
    } catch {
      return [];
    }
  });
}

const describe = (role: CaCertificate['role'], c: X509Certificate): CaCertificate => ({
  role,
  // Node prints one RDN a line; a label value reads better on one.
  subject: c.subject.split('\n').join(', '),
  serial: c.serialNumber,
  notAfter: new Date(c.validTo),
});

/** The trust bundle's roots and the chain's intermediates (the chain's first certificate is the leaf). */
export function caCertificates(chainPem: string, trustBundlePem: string): CaCertificate[] {
  return [...parsed(chainPem).slice(1).map((c) => describe('intermediate', c)), ...parsed(trustBundlePem).map((c) => describe('root', c))];
}
