import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnCertificate, CfnCertificateAuthority, CfnCertificateAuthorityActivation } from 'aws-cdk-lib/aws-acmpca';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

// Mirrors API_PASSTHROUGH_TEMPLATE in core/adapters/aws/acm-pca/acm-pca-ca.ts: the SPIFFE ID comes from
// the request (ApiPassthrough), never from the CSR, and IAM holds issuers to that template.
export const LEAF_TEMPLATE = 'EndEntityCertificate_APIPassthrough/V1';
const SIGNING_ALGORITHM = 'SHA256WITHECDSA';

export interface PkiProps {
  /** Subject common name of the root. */
  commonName?: string;
  /** Validity of the self-signed root in years. */
  rootValidityYears?: number;
}

/** The private CA that signs workload certificates: an ACM PCA root in short-lived certificate mode. */
export class Pki extends Construct {
  readonly certificateAuthority: CfnCertificateAuthority;
  readonly rootCertificate: CfnCertificate;
  readonly activation: CfnCertificateAuthorityActivation;
  readonly certificateAuthorityArn: string;

  constructor(scope: Construct, id: string, props: PkiProps = {}) {
    super(scope, id);
    const partition = Stack.of(this).partition;
    this.certificateAuthority = new CfnCertificateAuthority(this, 'CertificateAuthority', {
      type: 'ROOT',
      keyAlgorithm: 'EC_prime256v1',
      signingAlgorithm: SIGNING_ALGORITHM,
      // Short-lived mode: a lower monthly fee, certificates valid up to 7 days, no revocation needed.
      usageMode: 'SHORT_LIVED_CERTIFICATE',
      subject: { commonName: props.commonName ?? 'Trellis Root CA', organization: 'Trellis' },
    });
    // Deleting the CA would break trust for every running workload; it is removed by hand, never by a stack.
    this.certificateAuthority.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.certificateAuthorityArn = this.certificateAuthority.attrArn;

    this.rootCertificate = new CfnCertificate(this, 'RootCertificate', {
      certificateAuthorityArn: this.certificateAuthorityArn,
      certificateSigningRequest: this.certificateAuthority.attrCertificateSigningRequest,
      signingAlgorithm: SIGNING_ALGORITHM,
      templateArn: `arn:${partition}:acm-pca:::template/RootCACertificate/V1`,
      validity: { type: 'YEARS', value: props.rootValidityYears ?? 10 },
    });
    this.rootCertificate.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.activation = new CfnCertificateAuthorityActivation(this, 'Activation', {
      certificateAuthorityArn: this.certificateAuthorityArn,
      certificate: this.rootCertificate.attrCertificate,
      status: 'ACTIVE',
    });
    this.activation.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }

  /** Lets the grantee issue leaf certificates with the API-passthrough template only, and read this CA. */
  grantIssue(grantee: IGrantable): void {
    const partition = Stack.of(this).partition;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['acm-pca:IssueCertificate'],
        resources: [this.certificateAuthorityArn],
        conditions: { StringEquals: { 'acm-pca:TemplateArn': `arn:${partition}:acm-pca:::template/${LEAF_TEMPLATE}` } },
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['acm-pca:GetCertificate', 'acm-pca:GetCertificateAuthorityCertificate', 'acm-pca:DescribeCertificateAuthority'],
        resources: [this.certificateAuthorityArn],
      }),
    );
  }
}
