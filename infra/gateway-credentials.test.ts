import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { GatewayCredentials } from './constructs/gateway-credentials.ts';

describe('GatewayCredentials', () => {
  // GIVEN the construct, an API role granted to manage and a fleet role granted to serve
  const stack = new Stack();
  const credentials = new GatewayCredentials(stack, 'Credentials');
  credentials.grantManage(new Role(stack, 'Api', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
  credentials.grantServe(new Role(stack, 'Fleet', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') }));
  // WHEN it is synthesized
  const template = Template.fromStack(stack);
  const statementsOf = (role: string) =>
    Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${role}`) }] } })).flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement,
    );
  const actionsOf = (role: string) => statementsOf(role).flatMap((s) => [s.Action].flat());

  it('is its own on-demand table keyed by string PK/SK, with point-in-time recovery, encryption and deletion protection, retained', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has a KMS key with yearly rotation, retained with the table (no stored key opens without it)', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('lets the API write, read and delete credentials and seal keys, but not open them', () => {
    const api = actionsOf('Api');
    expect(api).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'kms:GenerateDataKey']));
    expect(api.filter((a) => a.startsWith('kms:'))).toEqual(['kms:GenerateDataKey']);
  });

  it('lets the fleet read credentials and open keys, and change nothing', () => {
    const fleet = actionsOf('Fleet');
    expect(fleet).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt']));
    expect(fleet.filter((a) => a.startsWith('kms:'))).toEqual(['kms:Decrypt']);
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) expect(fleet).not.toContain(write);
  });
});
