import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { GoldenSignals } from './constructs/golden-signals.ts';

describe('GoldenSignals', () => {
  // GIVEN a stack with the GoldenSignals construct granted to a role
  const stack = new Stack();
  const signals = new GoldenSignals(stack, 'Signals');
  signals.grantReportAndRead(new Role(stack, 'Api', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
  // WHEN it is synthesized
  const template = Template.fromStack(stack);

  it('is one on-demand, encrypted table keyed by string PK/SK with TTL on expiresAt', () => {
    // THEN
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: Match.absent(),
    });
  });

  it('is deleted with the stack: its items live minutes', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.values(tables).map((t) => t.DeletionPolicy)).toEqual(['Delete']);
  });

  it('grants the API UpdateItem and Query on the table, nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: ['dynamodb:UpdateItem', 'dynamodb:Query'], Effect: 'Allow', Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SignalsTable'), 'Arn'] }]) }],
      },
    });
  });
});
