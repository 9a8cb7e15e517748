import { randomBytes } from 'node:crypto';
import { x509 } from '../../core/ca/x509.ts';

const EC_P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdated so a node whose clock runs a little behind still accepts it. */
const BACKDATE_MS = 5 * 60 * 1000;

export interface WebhookCertificate {
  /** PEM CA certificate: the webhook configuration's caBundle. */
  caPem: string;
  /** PEM serving certificate and key: the kubernetes.io/tls Secret. */
  certPem: string;
  keyPem: string;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) || 0x01;
  return bytes.toString('hex');
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/**
 * A private CA and a serving certificate for `<service>.<namespace>.svc`, which is the name the
 * API server checks when it calls the webhook. The CA key is not kept: a new pair means a new
 * install, so a leaked bundle cannot mint further certificates.
 */
export async function createWebhookCertificate(o: { service: string; namespace: string; validityDays: number; now?: Date }): Promise<WebhookCertificate> {
  const now = (o.now ?? new Date()).getTime();
  const notBefore = new Date(now - BACKDATE_MS);
  const notAfter = new Date(now + o.validityDays * DAY_MS);
  const caKeys = await crypto.subtle.generateKey(EC_P256_SHA256, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=trellis-injector-ca.${o.namespace}`,
    keys: caKeys,
    signingAlgorithm: EC_P256_SHA256,
    serialNumber: serial(),
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await crypto.subtle.generateKey(EC_P256_SHA256, true, ['sign', 'verify']);
  const names = [o.service, `${o.service}.${o.namespace}`, `${o.service}.${o.namespace}.svc`, `${o.service}.${o.namespace}.svc.cluster.local`];
  const leaf = await x509.X509CertificateGenerator.create({
    subject: `CN=${o.service}.${o.namespace}.svc`,
    issuer: ca.subject,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: EC_P256_SHA256,
    serialNumber: serial(),
    notBefore,
    notAfter,
    extensions: [
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value }))),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return { caPem: ca.toString('pem') + '\n', certPem: leaf.toString('pem') + '\n', keyPem: pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}
