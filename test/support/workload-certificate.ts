import type { webcrypto } from 'node:crypto';
import type { CertificateAuthority } from '../../core/ca/certificate-authority.ts';
import { makeCsr } from '../../core/ca/testing/make-csr.ts';

/** What the agent holds for a workload: its chain, its private key and the trust bundle, PEM. */
export interface WorkloadCertificate {
  spiffeId: string;
  certificateChainPem: string;
  privateKeyPem: string;
  trustBundlePem: string;
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A key pair made here and a certificate for `spiffeId` from the CA, as the agent gets them. */
export async function issueWorkloadCertificate(ca: CertificateAuthority, spiffeId: string, ttlSeconds = 3600): Promise<WorkloadCertificate> {
  const csr = await makeCsr();
  const issued = await ca.issue({ csrPem: csr.pem, spiffeId, ttlSeconds });
  return { spiffeId, certificateChainPem: issued.certificateChainPem, privateKeyPem: await pkcs8Pem(csr.keys.privateKey), trustBundlePem: issued.trustBundlePem };
}
