import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { Pki } from './constructs/pki.ts';

describe('Pki', () => {
  // GIVEN a stack with the Pki construct and a role granted issuance
  const stack = new Stack();
  const pki = new Pki(stack, 'Pki');
  const role = new Role(stack, 'Issuer', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
  pki.grantIssue(role);
  // WHEN it is synthesized
  const template = Template.fromStack(stack);
  const caArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^PkiCertificateAuthority'), 'Arn'] };

  it('is an ECDSA P-256 root CA in short-lived certificate mode', () => {
    template.hasResourceProperties('AWS::ACMPCA::CertificateAuthority', {
      Type: 'ROOT',
      KeyAlgorithm: 'EC_prime256v1',
      SigningAlgorithm: 'SHA256WITHECDSA',
      UsageMode: 'SHORT_LIVED_CERTIFICATE',
      Subject: Match.objectLike({ CommonName: Match.anyValue() }),
    });
  });

  it('self-signs its root with the RootCACertificate template and activates it', () => {
    template.hasResourceProperties('AWS::ACMPCA::Certificate', {
      CertificateAuthorityArn: caArn,
      CertificateSigningRequest: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PkiCertificateAuthority'), 'CertificateSigningRequest'] },
      TemplateArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':acm-pca:::template/RootCACertificate/V1']] },
    });
    template.hasResourceProperties('AWS::ACMPCA::CertificateAuthorityActivation', {
      CertificateAuthorityArn: caArn,
      Certificate: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PkiRootCertificate'), 'Certificate'] },
      Status: 'ACTIVE',
    });
  });

  it('is retained: deleting it would break trust for every running workload', () => {
    for (const type of ['AWS::ACMPCA::CertificateAuthority', 'AWS::ACMPCA::Certificate', 'AWS::ACMPCA::CertificateAuthorityActivation']) {
      expect(Object.values(template.findResources(type)).map((r) => r.DeletionPolicy)).toEqual(['Retain']);
    }
  });

  it('grants IssueCertificate on this CA only, and only with the API-passthrough end-entity template', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'acm-pca:IssueCertificate',
            Resource: caArn,
            Condition: {
              StringEquals: { 'acm-pca:TemplateArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':acm-pca:::template/EndEntityCertificate_APIPassthrough/V1']] } },
            },
          },
          {
            Effect: 'Allow',
            Action: ['acm-pca:GetCertificate', 'acm-pca:GetCertificateAuthorityCertificate', 'acm-pca:DescribeCertificateAuthority'],
            Resource: caArn,
          },
        ]),
      },
    });
  });
});
