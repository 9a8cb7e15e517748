import { ListTagsForResourceCommand, PutRuleCommand, PutTargetsCommand, DeleteRuleCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MESH_CHANGED_PATTERN, TAG_BUS, TAG_HEARTBEAT, TAG_REPLICA } from './constants.ts';
import { ChangeBusError } from './errors.ts';

/** The rule's only target; a fixed id so PutTargets and RemoveTargets stay idempotent. */
export const QUEUE_TARGET_ID = 'replica-queue';

export interface ReplicaResourceSpec {
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
  busName: string;
  replicaId: string;
  /** Queue and rule name, from replicaResourceName(). */
  name: string;
  visibilityTimeoutSeconds: number;
  deadLetterQueueArn?: string;
  maxReceiveCount: number;
  heartbeat: Date;
}

export interface ReplicaResources {
  queueUrl: string;
  queueArn: string;
  ruleArn: string;
}

/** Whether an SDK error means the thing is already gone (so deleting it again is done). */
export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'ResourceNotFoundException' || name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

/**
 * Creates (or adopts) the replica's queue, its rule on the bus, the queue policy that lets only
 * that rule send, and the target. Every step is idempotent, so it also repairs a half-made or
 * swept subscription. The queue comes first: a rule never points at a queue that was not there.
 */
export async function provisionReplicaResources(spec: ReplicaResourceSpec): Promise<ReplicaResources> {
  const { sqs, eventBridge, name } = spec;
  const tags = { [TAG_REPLICA]: spec.replicaId, [TAG_BUS]: spec.busName, [TAG_HEARTBEAT]: spec.heartbeat.toISOString() };
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, tags }));
  if (!queueUrl) throw new ChangeBusError(`CreateQueue ${name} returned no URL`);
  // CreateQueue keeps an existing queue's tags: a replica restarting under its old id must not look stale.
  await sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: tags }));
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attributes.Attributes?.QueueArn;
  if (!queueArn) throw new ChangeBusError(`queue ${name} has no ARN`);

  const rule = await eventBridge.send(
    new PutRuleCommand({
      Name: name,
      EventBusName: spec.busName,
      EventPattern: JSON.stringify(MESH_CHANGED_PATTERN),
      State: 'ENABLED',
      Description: `Mesh changes for xds-server replica ${spec.replicaId}`,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const ruleArn = rule.RuleArn;
  if (!ruleArn) throw new ChangeBusError(`PutRule ${name} returned no ARN`);

  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: {
        Policy: JSON.stringify(queuePolicy(queueArn, ruleArn)),
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        ...(spec.deadLetterQueueArn
          ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: spec.deadLetterQueueArn, maxReceiveCount: spec.maxReceiveCount }) }
          : {}),
      },
    }),
  );

  const targets = await eventBridge.send(
    new PutTargetsCommand({ Rule: name, EventBusName: spec.busName, Targets: [{ Id: QUEUE_TARGET_ID, Arn: queueArn }] }),
  );
  if (targets.FailedEntryCount) {
    const entry = targets.FailedEntries?.[0];
    throw new ChangeBusError(`PutTargets on rule ${name} failed: ${entry?.ErrorCode ?? ''} ${entry?.ErrorMessage ?? ''}`, { cause: entry });
  }
  return { queueUrl, queueArn, ruleArn };
}

/** Only EventBridge, and only on behalf of this replica's rule, may send to the queue. */
function queuePolicy(queueArn: string, ruleArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowReplicaRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  };
}

/** Rule target first, then rule, then queue: events never route to a queue that is gone. */
export async function deleteReplicaResources(
  clients: { eventBridge: EventBridgeClient; sqs: SQSClient },
  busName: string,
  name: string,
  queueUrl: string | undefined,
): Promise<void> {
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['RemoveTargets', () => clients.eventBridge.send(new RemoveTargetsCommand({ Rule: name, EventBusName: busName, Ids: [QUEUE_TARGET_ID] }))],
    ['DeleteRule', () => clients.eventBridge.send(new DeleteRuleCommand({ Name: name, EventBusName: busName }))],
  ];
  if (queueUrl) steps.push(['DeleteQueue', () => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }))]);
  for (const [action, step] of steps) {
    try {
      await step();
    } catch (err) {
      if (!isNotFound(err)) throw new ChangeBusError(`${action} for ${name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
}

/** The tags of a rule, as a plain record. */
export async function ruleTags(eventBridge: EventBridgeClient, ruleArn: string): Promise<Record<string, string>> {
  const { Tags } = await eventBridge.send(new ListTagsForResourceCommand({ ResourceARN: ruleArn }));
  return Object.fromEntries((Tags ?? []).flatMap((t) => (t.Key && t.Value !== undefined ? [[t.Key, t.Value]] : [])));
}

/** The URL of the queue called `name`, or undefined when there is none. */
export async function queueUrlByName(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
