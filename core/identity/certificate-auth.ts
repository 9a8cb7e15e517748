import { createHash, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { fail, ok } from '../result.ts';
import type { Result } from '../result.ts';

/*
 * Renewal without TLS termination at the API (Lambda behind an HTTP API sees no client
 * certificate): the workload sends its current certificate chain and a signature, made with the
 * certificate's private key, over the method, path, a timestamp and the SHA-256 of the body.
 *
 *   Authorization: TrellisCert chain=<b64url DER leaf>[.<b64url DER intermediate>...], ts=<unix s>, sig=<b64url>
 *   signed bytes:  "trellis-cert-v1\n<METHOD>\n<path>\n<ts>\n<b64url sha256(body)>"
 *
 * The body carries the new CSR, so the signature binds the new key to the old identity; a
 * replay within the time window yields a certificate for a key the replayer does not hold.
 */
export const CERTIFICATE_AUTH_SCHEME = 'TrellisCert';
const DOMAIN = 'trellis-cert-v1';
/** How far the signer's clock may be from ours. */
export const CERTIFICATE_AUTH_WINDOW_SECONDS = 300;
/** A leaf is ~600 bytes of DER; this bounds parsing work and stays under common header limits. */
export const MAX_CERTIFICATE_AUTH_LENGTH = 8192;
const MAX_CHAIN = 3;

export interface CertificateAuth {
  /** Leaf first. */
  chainDer: Buffer[];
  timestamp: number;
  signature: Buffer;
}

export interface SignedRequestParts {
  method: string;
  path: string;
  timestamp: number;
  body: string | Uint8Array;
}

export function certificateAuthInput(p: SignedRequestParts): Buffer {
  const bodyHash = createHash('sha256').update(p.body).digest('base64url');
  return Buffer.from(`${DOMAIN}\n${p.method.toUpperCase()}\n${p.path}\n${p.timestamp}\n${bodyHash}`);
}

export function formatCertificateAuthorization(auth: CertificateAuth): string {
  const chain = auth.chainDer.map((der) => der.toString('base64url')).join('.');
  return `${CERTIFICATE_AUTH_SCHEME} chain=${chain}, ts=${auth.timestamp}, sig=${auth.signature.toString('base64url')}`;
}

const HEADER = /^TrellisCert chain=([A-Za-z0-9_.-]+), ts=(\d{1,12}), sig=([A-Za-z0-9_-]+)$/;

export function parseCertificateAuthorization(header: string): Result<CertificateAuth> {
  const malformed = fail<CertificateAuth>([{ path: 'authorization', message: 'must be `TrellisCert chain=<b64url DER>[.<b64url DER>], ts=<unix seconds>, sig=<b64url>`' }]);
  if (header.length > MAX_CERTIFICATE_AUTH_LENGTH) return malformed;
  const m = HEADER.exec(header);
  if (!m) return malformed;
  const parts = m[1]!.split('.');
  if (parts.length > MAX_CHAIN || parts.some((p) => p === '')) return malformed;
  return ok({ chainDer: parts.map((p) => Buffer.from(p, 'base64url')), timestamp: Number(m[2]), signature: Buffer.from(m[3]!, 'base64url') });
}

/** The Authorization header value for a renewal, signed with the current certificate's key. */
export function signCertificateRequest(o: SignedRequestParts & { chainDer: Buffer[]; privateKey: KeyObject }): string {
  // ECDSA signatures come out DER-encoded, RSA as PKCS#1 v1.5: what `crypto.verify` expects for each key type.
  const signature = cryptoSign('sha256', certificateAuthInput(o), o.privateKey);
  return formatCertificateAuthorization({ chainDer: o.chainDer, timestamp: o.timestamp, signature });
}
