import { X509Certificate as NodeX509 } from 'node:crypto';
import {
  ACMPCAClient,
  CreateCertificateAuthorityCommand,
  GetCertificateAuthorityCsrCommand,
  GetCertificateCommand,
  ImportCertificateAuthorityCertificateCommand,
  IssueCertificateCommand,
  RequestInProgressException,
} from '@aws-sdk/client-acm-pca';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools; lint keeps production code in core/ away from test/.
import { startMoto } from '../../../../test/support/moto.ts';
import type { RunningMoto } from '../../../../test/support/moto.ts';
import { ValidationError } from '../../../errors.ts';
import { CertificateAuthorityError, CertificateAuthorityUnavailableError } from '../../../ca/errors.ts';
import { x509 } from '../../../ca/x509.ts';
import { makeCsr } from '../../../ca/testing/make-csr.ts';
import { AcmPcaCertificateAuthority } from './acm-pca-ca.ts';

const SPIFFE_ID = 'spiffe://prod.acme.trellis.local/ns/shop/sa/cart';
const END_ENTITY = 'EndEntityCertificate/V1';

let moto: RunningMoto;
let client: ACMPCAClient;
let caArn: string;

/** A root CA in moto, as an operator would set one up: create, self-sign its CSR, import. */
async function createRootCa(): Promise<string> {
  const created = await client.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: 'ROOT',
      UsageMode: 'SHORT_LIVED_CERTIFICATE',
      CertificateAuthorityConfiguration: {
        KeyAlgorithm: 'RSA_2048',
        SigningAlgorithm: 'SHA256WITHRSA',
        Subject: { Organization: 'Trellis', CommonName: 'Trellis test root' },
      },
    }),
  );
  const arn = created.CertificateAuthorityArn as string;
  const { Csr } = await client.send(new GetCertificateAuthorityCsrCommand({ CertificateAuthorityArn: arn }));
  const issued = await client.send(
    new IssueCertificateCommand({
      CertificateAuthorityArn: arn,
      Csr: new TextEncoder().encode(Csr),
      SigningAlgorithm: 'SHA256WITHRSA',
      TemplateArn: 'arn:aws:acm-pca:::template/RootCACertificate/V1',
      Validity: { Type: 'YEARS', Value: 10 },
    }),
  );
  const root = await client.send(new GetCertificateCommand({ CertificateAuthorityArn: arn, CertificateArn: issued.CertificateArn }));
  await client.send(new ImportCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: arn, Certificate: new TextEncoder().encode(root.Certificate) }));
  return arn;
}

function certificatesIn(pem: string): x509.X509Certificate[] {
  return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
}

beforeAll(async () => {
  moto = await startMoto();
  client = new ACMPCAClient(moto.clientConfig);
  caArn = await createRootCa();
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

describe('ACM PCA certificate authority (moto)', () => {
  it('issues a leaf that chains to the trust bundle and carries the SPIFFE ID', async () => {
    // Prepare
    const ca = new AcmPcaCertificateAuthority({ client, certificateAuthorityArn: caArn, templateArn: END_ENTITY, pollIntervalMs: 50 });
    const csr = await makeCsr({ uris: [SPIFFE_ID] });
    // Act
    const issued = await ca.issue({ csrPem: csr.pem, spiffeId: SPIFFE_ID, ttlSeconds: 3600 });
    // Assess
    const [leaf, ...rest] = certificatesIn(issued.certificateChainPem);
    if (!leaf) throw new Error('no leaf');
    expect(rest).toHaveLength(0);
    const roots = certificatesIn(issued.trustBundlePem);
    expect(roots).toHaveLength(1);
    expect(roots[0]?.subject).toBe('O=Trellis, CN=Trellis test root');
    const chain = await new x509.X509ChainBuilder({ certificates: roots }).build(leaf);
    expect(chain).toHaveLength(2);
    expect(await leaf.verify({ publicKey: roots[0]?.publicKey, signatureOnly: true })).toBe(true);
    const nodeLeaf = new NodeX509(issued.certificateChainPem);
    expect(nodeLeaf.verify(new NodeX509(issued.trustBundlePem).publicKey)).toBe(true);
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([{ type: 'url', value: SPIFFE_ID }]);
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    const csrSpki = Buffer.from(await crypto.subtle.exportKey('spki', csr.keys.publicKey));
    expect(Buffer.from(leaf.publicKey.rawData).equals(csrSpki)).toBe(true);
    expect(issued.serialNumber).toBe(leaf.serialNumber);
    expect(issued.notAfter).toEqual(leaf.notAfter);
    expect(await ca.trustBundle()).toBe(issued.trustBundlePem);
  });

  it('issues with the default API-passthrough template when the CSR carries the SPIFFE ID', async () => {
    const ca = new AcmPcaCertificateAuthority({ client, certificateAuthorityArn: caArn, pollIntervalMs: 50 });
    const issued = await ca.issue({ csrPem: (await makeCsr({ uris: [SPIFFE_ID] })).pem, spiffeId: SPIFFE_ID, ttlSeconds: 600 });
    const [leaf] = certificatesIn(issued.certificateChainPem);
    expect(leaf?.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([{ type: 'url', value: SPIFFE_ID }]);
  });

  it('never returns a certificate whose SAN is not the requested ID (moto ignores ApiPassthrough)', async () => {
    const ca = new AcmPcaCertificateAuthority({ client, certificateAuthorityArn: caArn, pollIntervalMs: 50 });
    const err = await ca.issue({ csrPem: (await makeCsr()).pem, spiffeId: SPIFFE_ID, ttlSeconds: 600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CertificateAuthorityError);
    expect((err as Error).message).toContain('are not exactly');
  });

  it.each([
    ['another SPIFFE ID', { uris: ['spiffe://prod.acme.trellis.local/ns/kube-system/sa/admin'] }],
    ['an extra DNS name', { uris: [SPIFFE_ID], dns: ['admin.example'] }],
    ['no SAN, with a CSR-copying template', {}],
  ])('refuses a CSR with %s before calling ACM PCA', async (_, names) => {
    const ca = new AcmPcaCertificateAuthority({ client, certificateAuthorityArn: caArn, templateArn: END_ENTITY });
    const err = await ca.issue({ csrPem: (await makeCsr(names)).pem, spiffeId: SPIFFE_ID, ttlSeconds: 600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors[0]?.path).toBe('csr');
  });

  it('refuses a weak key with the shared CSR checks', async () => {
    const ca = new AcmPcaCertificateAuthority({ client, certificateAuthorityArn: caArn });
    const csr = await makeCsr({ algorithm: 'RSA-1024', uris: [SPIFFE_ID] });
    await expect(ca.issue({ csrPem: csr.pem, spiffeId: SPIFFE_ID, ttlSeconds: 600 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('maps an unknown CA to CertificateAuthorityError, keeping the SDK error as cause', async () => {
    const missing = caArn.replace(/certificate-authority\/.*/, 'certificate-authority/00000000-0000-0000-0000-000000000000');
    const ca = new AcmPcaCertificateAuthority({ client, certificateAuthorityArn: missing, signingAlgorithm: 'SHA256WITHRSA' });
    const err = await ca.trustBundle().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CertificateAuthorityError);
    expect(err).not.toBeInstanceOf(CertificateAuthorityUnavailableError);
    expect(((err as Error).cause as Error).name).toBe('ResourceNotFoundException');
  });

  it('gives up on a certificate that never leaves "in progress" (injected fault)', async () => {
    // Prepare: moto issues at once, so GetCertificate is made to answer "in progress" forever.
    const faulty = new ACMPCAClient(moto.clientConfig);
    let polls = 0;
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetCertificateCommand') {
          polls += 1;
          throw new RequestInProgressException({ message: 'still issuing', $metadata: {} });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectInProgress' },
    );
    const ca = new AcmPcaCertificateAuthority({ client: faulty, certificateAuthorityArn: caArn, templateArn: END_ENTITY, pollIntervalMs: 20, timeoutMs: 3000 });
    // Act
    const err = await ca.issue({ csrPem: (await makeCsr({ uris: [SPIFFE_ID] })).pem, spiffeId: SPIFFE_ID, ttlSeconds: 600 }).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(CertificateAuthorityUnavailableError);
    expect(((err as Error).cause as Error).name).toBe('RequestInProgressException');
    expect(polls).toBeGreaterThanOrEqual(2);
    faulty.destroy();
  });

  it('maps throttling to a retryable error (injected fault)', async () => {
    const faulty = new ACMPCAClient({ ...moto.clientConfig, maxAttempts: 1 });
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'IssueCertificateCommand') {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectThrottling' },
    );
    const ca = new AcmPcaCertificateAuthority({ client: faulty, certificateAuthorityArn: caArn, templateArn: END_ENTITY });
    const err = await ca.issue({ csrPem: (await makeCsr({ uris: [SPIFFE_ID] })).pem, spiffeId: SPIFFE_ID, ttlSeconds: 600 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CertificateAuthorityUnavailableError);
    expect(((err as Error).cause as Error).name).toBe('ThrottlingException');
    faulty.destroy();
  });
});
