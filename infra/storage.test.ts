import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Storage } from './constructs/storage.ts';

describe('Storage', () => {
  // GIVEN a stack with the Storage construct
  const stack = new Stack();
  new Storage(stack, 'Storage');
  // WHEN it is synthesized
  const template = Template.fromStack(stack);

  it('is one on-demand table keyed by string PK/SK, with no secondary index', () => {
    // THEN
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: Match.absent(),
    });
  });

  it('has point-in-time recovery, encryption at rest, TTL on expiresAt and deletion protection', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('is retained when the stack or the resource goes away', () => {
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.values(tables).map((t) => [t.DeletionPolicy, t.UpdateReplacePolicy])).toEqual([['Retain', 'Retain']]);
  });
});
