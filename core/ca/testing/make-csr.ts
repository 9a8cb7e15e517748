import type { webcrypto } from 'node:crypto';
import { x509 } from '../x509.ts';

export type TestKeyAlgorithm = 'P-256' | 'P-384' | 'P-521' | 'RSA-1024' | 'RSA-2048' | 'Ed25519';

export interface MadeCsr {
  pem: string;
  keys: webcrypto.CryptoKeyPair;
}

function keyParams(algorithm: TestKeyAlgorithm): { generate: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams | webcrypto.Algorithm; sign: webcrypto.Algorithm | webcrypto.EcdsaParams } {
  if (algorithm.startsWith('P-')) {
    return { generate: { name: 'ECDSA', namedCurve: algorithm }, sign: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams };
  }
  if (algorithm === 'Ed25519') return { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
  const bits = Number(algorithm.slice(4));
  const rsa: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return { generate: rsa, sign: { name: 'RSASSA-PKCS1-v1_5' } };
}

/** A fresh key pair and a CSR for it, as the agent would make them. Tests and benchmarks only. */
export async function makeCsr(options: { algorithm?: TestKeyAlgorithm; uris?: string[]; dns?: string[]; subject?: string } = {}): Promise<MadeCsr> {
  const { generate, sign } = keyParams(options.algorithm ?? 'P-256');
  const keys = (await crypto.subtle.generateKey(generate, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const names = [...(options.uris ?? []).map((value) => ({ type: 'url' as const, value })), ...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.subject ?? 'CN=workload',
    keys,
    signingAlgorithm: sign,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return { pem: csr.toString('pem'), keys };
}
