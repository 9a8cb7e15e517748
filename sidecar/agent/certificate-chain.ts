import { X509Certificate } from 'node:crypto';

/** The DER of each certificate in a PEM chain, leaf first: what a certificate-signed request to the API carries. */
export function chainDer(pem: string): Buffer[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b).raw);
}
