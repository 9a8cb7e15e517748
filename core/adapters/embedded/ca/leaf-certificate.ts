import { CertificateAuthorityError } from '../../../ca/errors.ts';
import { x509 } from '../../../ca/x509.ts';
import { BACKDATE_MS, EC_P256_SHA256, randomSerialNumber } from './root-authority.ts';
import type { RootAuthority } from './root-authority.ts';

/** Leaves end at least this long before their root, so no chain outlives its anchor. */
const ROOT_EXPIRY_MARGIN_MS = 60 * 1000;

const authorityKeyIds = new WeakMap<RootAuthority, Promise<x509.AuthorityKeyIdentifierExtension>>();

/** The AKI is the same for every leaf of a root: hash the root's key once. */
function authorityKeyIdOf(root: RootAuthority): Promise<x509.AuthorityKeyIdentifierExtension> {
  let aki = authorityKeyIds.get(root);
  if (!aki) {
    const ski = root.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
    aki = ski ? Promise.resolve(new x509.AuthorityKeyIdentifierExtension(ski.keyId)) : x509.AuthorityKeyIdentifierExtension.create(root.certificate.publicKey);
    authorityKeyIds.set(root, aki);
  }
  return aki;
}

export interface LeafParams {
  root: RootAuthority;
  publicKey: x509.PublicKey;
  spiffeId: string;
  ttlSeconds: number;
  now: Date;
}

/** Signs an X.509-SVID: the SPIFFE ID is the only identity in it (empty subject, critical SAN, as Istio does). */
export async function signLeaf({ root, publicKey, spiffeId, ttlSeconds, now }: LeafParams): Promise<x509.X509Certificate> {
  const notAfter = Math.min(now.getTime() + ttlSeconds * 1000, root.certificate.notAfter.getTime() - ROOT_EXPIRY_MARGIN_MS);
  const notBefore = Math.max(now.getTime() - BACKDATE_MS, root.certificate.notBefore.getTime());
  if (notAfter <= now.getTime()) throw new CertificateAuthorityError(`root ${root.id} expires too soon to issue certificates; rotate it`);
  return x509.X509CertificateGenerator.create({
    // RFC 5280 4.2.1.6: with an empty subject the SAN extension must be critical.
    subject: '',
    issuer: root.certificate.subjectName,
    publicKey,
    signingKey: root.privateKey,
    signingAlgorithm: EC_P256_SHA256,
    serialNumber: randomSerialNumber(),
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      await authorityKeyIdOf(root),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
}
