import { randomUUID } from 'node:crypto';
import {
  DescribeCertificateAuthorityCommand,
  GetCertificateAuthorityCertificateCommand,
  GetCertificateCommand,
  IssueCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import type { ACMPCAClient, SigningAlgorithm } from '@aws-sdk/client-acm-pca';
import type { CertificateAuthority, IssueRequest, IssuedCertificate } from '../../../ca/certificate-authority.ts';
import { csrError } from '../../../ca/csr.ts';
import type { CheckedCsr } from '../../../ca/csr.ts';
import { CertificateAuthorityError, CertificateAuthorityUnavailableError } from '../../../ca/errors.ts';
import { checkIssueRequest } from '../../../ca/issue-request.ts';
import { x509 } from '../../../ca/x509.ts';
import { checkIssuedLeaf } from './issued-leaf.ts';
import { fromAcmPcaError } from './sdk-errors.ts';
import { signingAlgorithmFor } from './signing-algorithm.ts';

/*
 * Template choice. The identity must come from the request, never from the CSR, so by default we
 * use EndEntityCertificate_APIPassthrough/V1 and pass the SPIFFE ID as the certificate's SAN through
 * ApiPassthrough: on real ACM PCA an API-passthrough SAN takes priority over the CSR's, and the
 * template adds the same end-entity extensions as EndEntityCertificate/V1 (CA:false, digitalSignature
 * + keyEncipherment, serverAuth + clientAuth, AKI/SKI).
 * Templates without "APIPassthrough" (e.g. EndEntityCertificate/V1) copy the CSR's SAN instead; then
 * the CSR must carry exactly the SPIFFE ID. In every mode a CSR asking for any other name is refused,
 * and the returned certificate is checked (key and SAN) before anyone sees it. moto ignores
 * ApiPassthrough and always copies the CSR's SAN, which is why the tests send CSRs that carry it.
 */
export const API_PASSTHROUGH_TEMPLATE = 'EndEntityCertificate_APIPassthrough/V1';
const BACKDATE_SECONDS = 60;
const CA_EXPIRY_MARGIN_SECONDS = 60;

export interface AcmPcaOptions {
  client: ACMPCAClient;
  certificateAuthorityArn: string;
  /** Defaults to the algorithm that matches the CA's key (DescribeCertificateAuthority). */
  signingAlgorithm?: SigningAlgorithm;
  /** A template ARN, or a template name such as `EndEntityCertificate/V1` (the CA's partition is added). */
  templateArn?: string;
  pollIntervalMs?: number;
  /** Bounds the whole issuance, polling included. */
  timeoutMs?: number;
  /** How long the CA certificate (trust bundle) is reused before it is fetched again. */
  bundleCacheMs?: number;
  now?: () => Date;
}

interface CaCertificates {
  /** The CA's own certificate and the chain above it, CA first. */
  certificates: x509.X509Certificate[];
  /** Self-signed roots among them (the top of the chain if none is). */
  trustBundlePem: string;
  fetchedAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toPem(certificates: x509.X509Certificate[]): string {
  return certificates.map((c) => c.toString('pem')).join('\n') + '\n';
}

function parseCertificates(pem: string | undefined): x509.X509Certificate[] {
  return pem ? x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der)) : [];
}

function isSelfIssued(c: x509.X509Certificate): boolean {
  return c.subject === c.issuer;
}

/** The CertificateAuthority port on AWS Private CA (short-lived certificate mode). */
export class AcmPcaCertificateAuthority implements CertificateAuthority {
  readonly #client: ACMPCAClient;
  readonly #caArn: string;
  readonly #templateArn: string;
  readonly #apiPassthrough: boolean;
  readonly #pollIntervalMs: number;
  readonly #timeoutMs: number;
  readonly #bundleCacheMs: number;
  readonly #now: () => Date;
  #signingAlgorithm: SigningAlgorithm | undefined;
  #ca: CaCertificates | undefined;

  constructor(options: AcmPcaOptions) {
    this.#client = options.client;
    this.#caArn = options.certificateAuthorityArn;
    const partition = /^arn:([^:]+):acm-pca:/.exec(this.#caArn)?.[1];
    if (!partition) throw new TypeError(`not an ACM PCA certificate authority ARN: ${this.#caArn}`);
    const template = options.templateArn ?? API_PASSTHROUGH_TEMPLATE;
    this.#templateArn = template.startsWith('arn:') ? template : `arn:${partition}:acm-pca:::template/${template}`;
    this.#apiPassthrough = /APIPassthrough|APICSRPassthrough/.test(this.#templateArn);
    this.#signingAlgorithm = options.signingAlgorithm;
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#bundleCacheMs = options.bundleCacheMs ?? 5 * 60_000;
    this.#now = options.now ?? (() => new Date());
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    const deadline = Date.now() + this.#timeoutMs;
    const { csr, spiffeId, ttlSeconds } = await checkIssueRequest(request);
    this.#checkRequestedNames(csr, spiffeId);
    const [ca, signingAlgorithm] = await Promise.all([this.#caCertificates(), this.#signingAlgorithmOfCa()]);

    const nowSeconds = Math.floor(this.#now().getTime() / 1000);
    const caNotAfter = Math.floor((ca.certificates[0]?.notAfter.getTime() ?? Infinity) / 1000);
    const notAfter = Math.min(nowSeconds + ttlSeconds, caNotAfter - CA_EXPIRY_MARGIN_SECONDS);
    const certificateArn = await this.#call('IssueCertificate', () =>
      this.#client.send(
        new IssueCertificateCommand({
          CertificateAuthorityArn: this.#caArn,
          Csr: new TextEncoder().encode(request.csrPem),
          SigningAlgorithm: signingAlgorithm,
          TemplateArn: this.#templateArn,
          ApiPassthrough: this.#apiPassthrough ? { Extensions: { SubjectAlternativeNames: [{ UniformResourceIdentifier: spiffeId }] } } : undefined,
          // ABSOLUTE takes seconds since the epoch. moto ignores both and issues for one year.
          Validity: { Type: 'ABSOLUTE', Value: notAfter },
          ValidityNotBefore: { Type: 'ABSOLUTE', Value: nowSeconds - BACKDATE_SECONDS },
          // The SDK's own retries reuse it, so ACM PCA issues one certificate, not several.
          IdempotencyToken: randomUUID(),
        }),
      ),
    ).then((out) => out.CertificateArn);
    if (!certificateArn) throw new CertificateAuthorityError('ACM PCA IssueCertificate returned no certificate ARN');

    const { Certificate: leafPem, CertificateChain: chainPem } = await this.#waitForCertificate(certificateArn, deadline);
    const leaf = checkIssuedLeaf(leafPem, csr, spiffeId);
    // The workload presents leaf + intermediates; roots travel in the trust bundle only.
    const intermediates = parseCertificates(chainPem).filter((c) => !isSelfIssued(c));
    return {
      certificateChainPem: toPem([leaf, ...intermediates]),
      trustBundlePem: ca.trustBundlePem,
      serialNumber: leaf.serialNumber,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
    };
  }

  async trustBundle(): Promise<string> {
    return (await this.#caCertificates()).trustBundlePem;
  }

  /** Any SAN other than the SPIFFE ID would be copied by CSR-passthrough templates, so none is allowed. */
  #checkRequestedNames(csr: CheckedCsr, spiffeId: string): void {
    const names = csr.requestedNames;
    const exact = names.length === 1 && names[0]?.type === 'url' && names[0].value === spiffeId;
    if (exact || (names.length === 0 && this.#apiPassthrough)) return;
    throw csrError(
      names.length === 0
        ? `must carry the URI SAN ${spiffeId} (template ${this.#templateArn} copies SANs from the CSR)`
        : `its subject alternative names must be exactly the URI ${spiffeId}`,
    );
  }

  async #waitForCertificate(certificateArn: string, deadline: number): Promise<{ Certificate: string; CertificateChain?: string }> {
    for (;;) {
      try {
        const out = await this.#client.send(new GetCertificateCommand({ CertificateAuthorityArn: this.#caArn, CertificateArn: certificateArn }));
        if (!out.Certificate) throw new CertificateAuthorityError(`ACM PCA returned no certificate for ${certificateArn}`);
        return { Certificate: out.Certificate, CertificateChain: out.CertificateChain };
      } catch (err) {
        // Issuance is asynchronous: "in progress" is the normal answer for a short while.
        if ((err as { name?: string }).name !== 'RequestInProgressException') throw err instanceof CertificateAuthorityError ? err : fromAcmPcaError(err, 'GetCertificate');
        if (Date.now() + this.#pollIntervalMs > deadline) {
          throw new CertificateAuthorityUnavailableError(`ACM PCA did not finish issuing ${certificateArn} within ${this.#timeoutMs} ms`, { cause: err });
        }
        await sleep(this.#pollIntervalMs);
      }
    }
  }

  async #signingAlgorithmOfCa(): Promise<SigningAlgorithm> {
    if (this.#signingAlgorithm) return this.#signingAlgorithm;
    const out = await this.#call('DescribeCertificateAuthority', () => this.#client.send(new DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: this.#caArn })));
    const algorithm = signingAlgorithmFor(out.CertificateAuthority?.CertificateAuthorityConfiguration?.KeyAlgorithm);
    if (!algorithm) throw new CertificateAuthorityError(`cannot tell the signing algorithm of ${this.#caArn}; set signingAlgorithm`);
    this.#signingAlgorithm = algorithm;
    return algorithm;
  }

  async #caCertificates(): Promise<CaCertificates> {
    const cached = this.#ca;
    if (cached && Date.now() - cached.fetchedAt < this.#bundleCacheMs) return cached;
    const out = await this.#call('GetCertificateAuthorityCertificate', () =>
      this.#client.send(new GetCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: this.#caArn })),
    );
    let certificates: x509.X509Certificate[];
    try {
      certificates = [...parseCertificates(out.Certificate), ...parseCertificates(out.CertificateChain)];
    } catch (err) {
      throw new CertificateAuthorityError(`ACM PCA returned an unreadable CA certificate for ${this.#caArn}`, { cause: err });
    }
    const top = certificates.at(-1);
    if (!top) throw new CertificateAuthorityError(`ACM PCA returned no CA certificate for ${this.#caArn}`);
    const roots = certificates.filter(isSelfIssued);
    this.#ca = { certificates, trustBundlePem: toPem(roots.length > 0 ? roots : [top]), fetchedAt: Date.now() };
    return this.#ca;
  }

  /** One SDK call, its errors converted at the call site. */
  async #call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw fromAcmPcaError(err, action);
    }
  }
}
