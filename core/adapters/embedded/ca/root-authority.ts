import { randomBytes } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { x509 } from '../../../ca/x509.ts';

export const EC_P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Roots outlive many rotations of workload certificates; rotate them deliberately, not by expiry. */
export const ROOT_VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;
/** Backdating absorbs clock skew between the CA and the peers that check its certificates. */
export const BACKDATE_MS = 60 * 1000;

/** One signing root: its self-signed certificate and its private key. */
export interface RootAuthority {
  id: string;
  certificate: x509.X509Certificate;
  privateKey: webcrypto.CryptoKey;
}

/** 128 random bits as a positive DER INTEGER with no leading zero byte. */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) || 0x01;
  return bytes.toString('hex');
}

export async function createRootAuthority(now: Date): Promise<{ root: RootAuthority; privateKeyPkcs8: ArrayBuffer }> {
  const keys = await crypto.subtle.generateKey(EC_P256_SHA256, true, ['sign', 'verify']);
  const id = randomBytes(8).toString('hex');
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ O: ['Trellis'] }, { CN: [`Trellis embedded root ${id}`] }],
    keys,
    signingAlgorithm: EC_P256_SHA256,
    serialNumber: randomSerialNumber(),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + ROOT_VALIDITY_MS),
    extensions: [
      // pathLen 0: this root signs workload certificates only, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const privateKeyPkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { root: { id, certificate, privateKey: keys.privateKey }, privateKeyPkcs8 };
}

export async function importRootKey(pkcs8: ArrayBuffer): Promise<webcrypto.CryptoKey> {
  // Not extractable once loaded: the key bytes stay on disk, not in reachable memory objects.
  return crypto.subtle.importKey('pkcs8', pkcs8, EC_P256_SHA256, false, ['sign']);
}
