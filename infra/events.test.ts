import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { Events } from './constructs/events.ts';

describe('Events', () => {
  // GIVEN a stack with the Events construct, and a replica role granted its subscriptions
  const stack = new Stack(undefined, 'Events');
  const events = new Events(stack, 'Events', { archiveRetention: Duration.days(30) });
  const role = new Role(stack, 'Replica', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
  events.grantReplicaSubscriptions(role);
  // WHEN it is synthesized
  const template = Template.fromStack(stack);
  const arn = (...parts: unknown[]) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ...parts]] });

  it('is a custom bus named after its stack, with an archive of mesh change events', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: `${stack.stackName}-config` });
    expect(events.busName).toBe(`${stack.stackName}-config`);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsBus'), 'Arn'] },
      EventPattern: { source: ['trellis.config'] },
      RetentionDays: 30,
    });
  });

  it('has an encrypted dead-letter queue that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('lets a replica manage rules named trellis-xds-* on this bus and queues named trellis-xds-*, nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['events:PutRule', 'events:DeleteRule', 'events:PutTargets', 'events:RemoveTargets']),
            Resource: arn(':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':rule/Events-config/trellis-xds-*'),
          }),
          Match.objectLike({
            Action: Match.arrayWith(['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:SetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']),
            Resource: arn(':sqs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':trellis-xds-*'),
          }),
          { Effect: 'Allow', Action: ['events:ListRules', 'sqs:ListQueues'], Resource: '*' },
        ]),
      },
    });
  });
});
