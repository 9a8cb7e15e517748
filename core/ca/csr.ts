import { createPublicKey } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { x509 } from './x509.ts';

/** A P-256 CSR is ~450 characters and an RSA-4096 one ~1,700; this bounds parsing work. */
export const MAX_CSR_PEM_LENGTH = 8192;
/** RSA keys above this make every handshake slow and serve no purpose here. */
const MAX_RSA_BITS = 8192;
const MIN_RSA_BITS = 2048;
const ALLOWED_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384' };
/** id-ce-subjectAltName (RFC 5280). */
const SUBJECT_ALT_NAME_OID = '2.5.29.17';
const PEM = /^\s*-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END (?:NEW )?CERTIFICATE REQUEST-----\s*$/;

/** A CSR that parsed, proved possession of its key, and carries an acceptable key. */
export interface CheckedCsr {
  request: x509.Pkcs10CertificateRequest;
  publicKey: x509.PublicKey;
  /** e.g. `EC P-256`, `RSA 2048`. */
  keyDescription: string;
  /** Subject alternative names the CSR asks for, as `{ type, value }`. */
  requestedNames: x509.JsonGeneralNames;
}

export function csrError(message: string, cause?: unknown): ValidationError {
  return new ValidationError(`invalid CSR: ${message}`, [{ path: 'csr', message }], cause !== undefined ? { cause } : undefined);
}

function describeKey(spki: ArrayBuffer): string {
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (err) {
    throw csrError('the public key cannot be read', err);
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = ALLOWED_CURVES[details.namedCurve ?? ''];
    if (!curve) throw csrError(`EC curve ${details.namedCurve ?? 'unknown'} is not allowed (use P-256 or P-384)`);
    return `EC ${curve}`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw csrError(`RSA key of ${bits} bits is too weak (at least ${MIN_RSA_BITS})`);
    if (bits > MAX_RSA_BITS) throw csrError(`RSA key of ${bits} bits is too large (at most ${MAX_RSA_BITS})`);
    return `RSA ${bits}`;
  }
  throw csrError(`${key.asymmetricKeyType ?? 'unknown'} keys are not allowed (use EC P-256, P-384 or RSA >= ${MIN_RSA_BITS})`);
}

/**
 * Parses one PEM CSR, checks its self-signature (proof of possession of the private key)
 * and its key strength. Throws ValidationError (path `csr`) on any problem.
 */
export async function checkCsr(csrPem: string): Promise<CheckedCsr> {
  if (typeof csrPem !== 'string' || csrPem.length === 0) throw csrError('is required');
  if (csrPem.length > MAX_CSR_PEM_LENGTH) throw csrError(`must be at most ${MAX_CSR_PEM_LENGTH} characters of PEM`);
  const body = PEM.exec(csrPem)?.[1];
  if (body === undefined) throw csrError('must be one PEM block "-----BEGIN CERTIFICATE REQUEST-----"');
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(der);
  } catch (err) {
    throw csrError('is not a DER-encoded PKCS#10 certificate request', err);
  }
  const keyDescription = describeKey(request.publicKey.rawData);
  let verified: boolean;
  try {
    verified = await request.verify();
  } catch (err) {
    throw csrError('its signature algorithm is not supported', err);
  }
  if (!verified) throw csrError('its signature does not verify with its own public key (no proof of possession)');
  const san = request.getExtension(SUBJECT_ALT_NAME_OID);
  let requestedNames: x509.JsonGeneralNames = [];
  if (san) {
    try {
      requestedNames = new x509.SubjectAlternativeNameExtension(san.rawData).names.toJSON();
    } catch (err) {
      throw csrError('its subject alternative names cannot be read', err);
    }
  }
  return { request, publicKey: request.publicKey, keyDescription, requestedNames };
}
