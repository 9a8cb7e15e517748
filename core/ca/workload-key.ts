import { KeyObject } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { x509 } from './x509.ts';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A workload's key pair: ECDSA P-256, made where it is used and never sent anywhere. */
export interface WorkloadKey {
  keys: webcrypto.CryptoKeyPair;
  /** PKCS#8 PEM, for TLS stacks (Envoy over SDS, grpc-js) that take the key as text. */
  privateKeyPem: string;
  /** For signing renewal requests with node:crypto. */
  privateKey: KeyObject;
}

async function fromPair(keys: webcrypto.CryptoKeyPair): Promise<WorkloadKey> {
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), privateKey: KeyObject.from(keys.privateKey) };
}

export async function generateWorkloadKey(): Promise<WorkloadKey> {
  // Extractable: the private key must reach the TLS stack (Envoy) as PEM.
  return fromPair((await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair);
}

/** Loads a P-256 key written by `workloadKeyPem` (PKCS#8 PEM). */
export async function importWorkloadKey(pem: string): Promise<WorkloadKey> {
  const [der] = x509.PemConverter.decode(pem);
  if (!der) throw new RangeError('no PEM block in the key file');
  const privateKey = await crypto.subtle.importKey('pkcs8', der, EC_P256, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, EC_P256, true, ['verify']);
  return fromPair({ privateKey, publicKey });
}

/** A PKCS#10 CSR for the key; the SPIFFE ID, when given, only states what the caller expects. */
export async function createCsrPem(key: WorkloadKey, spiffeId?: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: key.keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: spiffeId ? [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }])] : [],
  });
  return csr.toString('pem');
}
