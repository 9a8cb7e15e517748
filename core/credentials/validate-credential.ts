import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { fail, ok, type FieldError, type Result } from '../result.ts';
import { x509 } from '../ca/x509.ts';
import type { StoredCredential, TlsCredentialMaterial } from './credential-store.ts';

/** Bounds on what one credential may hold. */
export const CREDENTIAL_LIMITS = { maxPemBytes: 64 * 1024, maxChainCertificates: 10, maxCaCertificates: 100 } as const;

const EC_CURVES = new Set(['prime256v1', 'secp384r1']);

function certificates(pem: string, field: string, max: number, errors: FieldError[]): x509.X509Certificate[] {
  if (pem.length > CREDENTIAL_LIMITS.maxPemBytes) {
    errors.push({ path: field, message: `must be at most ${CREDENTIAL_LIMITS.maxPemBytes} bytes of PEM` });
    return [];
  }
  try {
    const certs = x509.PemConverter.decodeWithHeaders(pem)
      .filter((b) => b.type === 'CERTIFICATE')
      .map((b) => new x509.X509Certificate(b.rawData));
    if (certs.length === 0) errors.push({ path: field, message: 'must hold at least one PEM CERTIFICATE block' });
    else if (certs.length > max) errors.push({ path: field, message: `must hold at most ${max} certificates` });
    return certs;
  } catch (err) {
    errors.push({ path: field, message: `is not a PEM certificate list: ${err instanceof Error ? err.message : String(err)}` });
    return [];
  }
}

function keyProblem(key: KeyObject): string | undefined {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') return EC_CURVES.has(d?.namedCurve ?? '') ? undefined : `EC curve ${d?.namedCurve} is not allowed (P-256 or P-384)`;
  if (key.asymmetricKeyType === 'rsa') return (d?.modulusLength ?? 0) >= 2048 && (d?.modulusLength ?? 0) <= 8192 ? undefined : `RSA keys must have 2048 to 8192 bits, not ${d?.modulusLength}`;
  return `${key.asymmetricKeyType} keys are not allowed (EC P-256/P-384 or RSA)`;
}

/**
 * Checks an upload: PEM sizes and counts bounded, the chain's leaf valid now, an EC P-256/P-384
 * or RSA 2048+ private key that matches the leaf's public key, CA certificates parseable.
 * Returns the credential with its metadata, or field errors.
 */
export function validateCredential(namespace: string, name: string, input: TlsCredentialMaterial, now: Date): Result<StoredCredential> {
  const errors: FieldError[] = [];
  const chain = certificates(input.certificateChain, 'certificateChain', CREDENTIAL_LIMITS.maxChainCertificates, errors);
  const ca = input.caCertificates !== undefined ? certificates(input.caCertificates, 'caCertificates', CREDENTIAL_LIMITS.maxCaCertificates, errors) : [];
  let key: KeyObject | undefined;
  if (input.privateKey.length > CREDENTIAL_LIMITS.maxPemBytes) errors.push({ path: 'privateKey', message: `must be at most ${CREDENTIAL_LIMITS.maxPemBytes} bytes of PEM` });
  else {
    try {
      key = createPrivateKey({ key: input.privateKey, format: 'pem' });
      const problem = keyProblem(key);
      if (problem) errors.push({ path: 'privateKey', message: problem });
    } catch {
      errors.push({ path: 'privateKey', message: 'is not an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1)' });
    }
  }
  const leaf = chain[0];
  if (leaf) {
    if (leaf.notAfter.getTime() <= now.getTime()) errors.push({ path: 'certificateChain', message: `the certificate expired at ${leaf.notAfter.toISOString()}` });
    if (leaf.notBefore.getTime() > now.getTime()) errors.push({ path: 'certificateChain', message: `the certificate is not valid before ${leaf.notBefore.toISOString()}` });
    if (key && errors.length === 0) {
      const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
      if (!Buffer.from(leaf.publicKey.rawData).equals(fromKey)) errors.push({ path: 'privateKey', message: 'does not match the public key of the first certificate in certificateChain' });
    }
  }
  if (errors.length > 0 || !leaf) return fail(errors);
  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
  const subjectAltNames = (san?.names.toJSON() ?? []).flatMap((n) => (n.type === 'dns' ? [`DNS:${n.value}`] : n.type === 'url' ? [`URI:${n.value}`] : n.type === 'ip' ? [`IP:${n.value}`] : []));
  return ok({
    metadata: {
      namespace,
      name,
      subject: leaf.subject,
      issuer: leaf.issuer,
      subjectAltNames,
      notBefore: leaf.notBefore.toISOString(),
      notAfter: leaf.notAfter.toISOString(),
      sha256Fingerprint: createHash('sha256').update(Buffer.from(leaf.rawData)).digest('hex'),
      chainLength: chain.length,
      caCertificates: ca.length,
      updatedAt: now.toISOString(),
    },
    material: { certificateChain: input.certificateChain, privateKey: input.privateKey, ...(input.caCertificates !== undefined ? { caCertificates: input.caCertificates } : {}) },
  });
}
