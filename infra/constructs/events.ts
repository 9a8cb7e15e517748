import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import { EventBus, type Archive } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

// Mirror EVENT_SOURCE and REPLICA_RESOURCE_PREFIX in core/adapters/aws/eventbridge-bus/constants.ts.
export const EVENT_SOURCE = 'trellis.config';
export const REPLICA_RESOURCE_PREFIX = 'trellis-xds-';

export interface EventsProps {
  /** How long change events are archived for replay. */
  archiveRetention: Duration;
}

/**
 * The change bus: every committed revision is announced here. Each xds-server replica makes its own
 * queue and rule (`trellis-xds-<replica>`) at start, so every replica sees every change; messages a
 * replica cannot process end in the dead-letter queue.
 */
export class Events extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly deadLetterQueue: Queue;
  /** `<stack name>-config`: derived from the stack, so deployments sharing an account and region keep apart. */
  readonly busName: string;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.busName = `${Stack.of(this).stackName}-config`;
    this.bus = new EventBus(this, 'Bus', { eventBusName: this.busName });
    this.archive = this.bus.archive('Archive', {
      description: 'Mesh change events, for replay after an outage',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention,
    });
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This is the dead-letter queue: the replicas name it in the redrive policy of the queues they create at run time, which cdk-nag cannot see.',
    });
  }

  // Pseudo parameters, not the stack's region and account: the acknowledged IAM5 findings name these exact strings.

  /** ARN pattern of the replicas' rules on this bus. */
  replicaRuleArns(): string {
    return `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${this.busName}/${REPLICA_RESOURCE_PREFIX}*`;
  }

  /** ARN pattern of the replicas' queues. */
  replicaQueueArns(): string {
    return `arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${REPLICA_RESOURCE_PREFIX}*`;
  }

  /** Lets an xds-server replica create, tag, consume and delete its own `trellis-xds-*` queue and rule. */
  grantReplicaSubscriptions(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule', 'events:TagResource', 'events:ListTagsForResource'],
        resources: [this.replicaRuleArns()],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'sqs:CreateQueue',
          'sqs:DeleteQueue',
          'sqs:GetQueueUrl',
          'sqs:GetQueueAttributes',
          'sqs:SetQueueAttributes',
          'sqs:TagQueue',
          'sqs:ListQueueTags',
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
        ],
        resources: [this.replicaQueueArns()],
      }),
    );
    // The stale-subscription sweeper lists by name prefix; list actions have no resource type.
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['events:ListRules', 'sqs:ListQueues'], resources: ['*'] }));
    Validations.of(role).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${this.busName}/${REPLICA_RESOURCE_PREFIX}*]`, reason: 'Replicas create their rules at run time, one each, named trellis-xds-<replica id>: scoped to that prefix on this bus.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${REPLICA_RESOURCE_PREFIX}*]`, reason: 'Replicas create their queues at run time, one each, named trellis-xds-<replica id>: scoped to that prefix.' },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'events:ListRules and sqs:ListQueues (used by the stale-subscription sweeper) have no resource type; they reveal names only.' },
    );
  }
}
