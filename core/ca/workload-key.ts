import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { pkcs10Der, pkcs10Pem } from './pkcs10.ts';

const generateEcKeyPair = promisify(generateKeyPair);

/** A workload's key pair: ECDSA P-256, made where it is used and never sent anywhere. */
export interface WorkloadKey {
  /** PKCS#8 PEM, for TLS stacks (Envoy over SDS, grpc-js) that take the key as text. */
  privateKeyPem: string;
  /** For signing renewal requests and CSRs with node:crypto. */
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function fromPrivateKey(privateKey: KeyObject, publicKey: KeyObject = createPublicKey(privateKey)): WorkloadKey {
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, privateKey, publicKey };
}

export async function generateWorkloadKey(): Promise<WorkloadKey> {
  const { privateKey, publicKey } = await generateEcKeyPair('ec', { namedCurve: 'P-256' });
  return fromPrivateKey(privateKey, publicKey);
}

/** Loads a P-256 key written by `generateWorkloadKey` (PKCS#8 PEM). */
export async function importWorkloadKey(pem: string): Promise<WorkloadKey> {
  if (!pem.includes('-----BEGIN PRIVATE KEY-----')) throw new RangeError('no PKCS#8 PEM block in the key file');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new RangeError('the key file holds no readable PKCS#8 key', { cause: err });
  }
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') throw new RangeError(`the key file holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key${curve ? ` on ${curve}` : ''}, not an EC P-256 key`);
  return fromPrivateKey(privateKey);
}

/** A PKCS#10 CSR for the key; the SPIFFE ID, when given, only states what the caller expects. */
export async function createCsrPem(key: WorkloadKey, spiffeId?: string): Promise<string> {
  return pkcs10Pem(pkcs10Der({ publicKey: key.publicKey, privateKey: key.privateKey, ...(spiffeId !== undefined ? { uri: spiffeId } : {}) }));
}
