import { X509Certificate, verify as cryptoVerify } from 'node:crypto';
import { fail, ok } from '../result.ts';
import type { Result } from '../result.ts';
import { CERTIFICATE_AUTH_WINDOW_SECONDS, certificateAuthInput } from './certificate-auth.ts';
import type { CertificateAuth } from './certificate-auth.ts';
import { parseSpiffeId } from './spiffe.ts';
import type { WorkloadIdentity } from './spiffe.ts';

export interface PresentedCertificate {
  identity: WorkloadIdentity;
  spiffeId: string;
  serialNumber: string;
  notAfter: Date;
}

export interface VerifyCertificateAuthInput {
  auth: CertificateAuth;
  method: string;
  path: string;
  body: string;
  /** PEM, every root currently trusted (two during a root rotation). */
  trustBundlePem: string;
  now: Date;
}

const refuse = (message: string): Result<PresentedCertificate> => fail([{ path: 'authorization', message }]);

function splitPem(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

/** Leaf → (intermediates in the chain)* → a root of the bundle, every link checked and in date. */
function chainsToBundle(chain: X509Certificate[], roots: X509Certificate[], now: Date): boolean {
  const inDate = (c: X509Certificate) => new Date(c.validFrom) <= now && now < new Date(c.validTo);
  for (let i = 0; i < chain.length; i++) {
    const current = chain[i]!;
    if (!inDate(current)) return false;
    if (roots.some((r) => inDate(r) && signedBy(current, r))) return true;
    const next = chain[i + 1];
    if (!next || !next.ca || !signedBy(current, next)) return false;
  }
  return false;
}

function uriSans(cert: X509Certificate): string[] {
  // Node renders SANs as `URI:spiffe://..., DNS:...`; SPIFFE IDs contain neither ", " nor quotes.
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
}

/**
 * Checks a renewal credential: the chain leads to a trusted root and is in date, the leaf names
 * exactly one SPIFFE ID, the timestamp is fresh, and the signature over the request verifies
 * with the leaf's key. Returns the identity the certificate proves.
 */
export function verifyCertificateAuth(input: VerifyCertificateAuthInput): Result<PresentedCertificate> {
  const { auth, now } = input;
  if (Math.abs(now.getTime() / 1000 - auth.timestamp) > CERTIFICATE_AUTH_WINDOW_SECONDS) {
    return refuse(`timestamp is more than ${CERTIFICATE_AUTH_WINDOW_SECONDS} s from the server's clock`);
  }
  let chain: X509Certificate[];
  try {
    chain = auth.chainDer.map((der) => new X509Certificate(der));
  } catch {
    return refuse('the certificate chain is not DER-encoded X.509');
  }
  const leaf = chain[0];
  if (!leaf) return refuse('the certificate chain is empty');
  if (leaf.ca) return refuse('the presented certificate is a CA certificate, not a workload certificate');
  if (!chainsToBundle(chain, splitPem(input.trustBundlePem), now)) {
    return refuse('the certificate is expired, not yet valid, or not issued by this CA');
  }
  const uris = uriSans(leaf);
  if (uris.length !== 1) return refuse('the certificate must carry exactly one URI SAN (its SPIFFE ID)');
  const parsed = parseSpiffeId(uris[0]!);
  if (!parsed.ok) return refuse(`the certificate's URI SAN is not a workload SPIFFE ID: ${parsed.errors[0]?.message ?? ''}`);
  let verified: boolean;
  try {
    verified = cryptoVerify('sha256', certificateAuthInput({ method: input.method, path: input.path, timestamp: auth.timestamp, body: input.body }), leaf.publicKey, auth.signature);
  } catch {
    verified = false;
  }
  if (!verified) return refuse("the signature does not verify with the certificate's key");
  return ok({ identity: parsed.value, spiffeId: uris[0]!, serialNumber: leaf.serialNumber.toLowerCase(), notAfter: new Date(leaf.validTo) });
}
