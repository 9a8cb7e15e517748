import { ListRulesCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListQueueTagsCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { REPLICA_RESOURCE_PREFIX, TAG_BUS, TAG_HEARTBEAT, TAG_REPLICA } from './constants.ts';
import { silentLogger } from './logger.ts';
import type { BusLogger } from './logger.ts';
import { deleteReplicaResources, isNotFound, queueUrlByName, ruleTags } from './replica-resources.ts';

export interface SweepOptions {
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
  busName: string;
  /** A subscription whose heartbeat is older than this is taken as dead; use several heartbeat intervals. */
  olderThanMs: number;
  now?: () => Date;
  logger?: BusLogger;
}

export interface SweepResult {
  /** Replica ids whose queue and rule were deleted. */
  removed: string[];
  /** Rules left without a queue (a replica that died while closing), deleted by name. */
  orphanRulesRemoved: string[];
}

// Each page holds up to 1,000 queues or 100 rules; far more than a fleet of replicas.
const MAX_PAGES = 20;

/**
 * Deletes the queues and rules of replicas that stopped heartbeating without closing (crashed,
 * killed). A live replica whose queue is swept by mistake recreates it on its next receive.
 */
export async function sweepStaleSubscriptions(options: SweepOptions): Promise<SweepResult> {
  const { eventBridge, sqs, busName } = options;
  const logger = options.logger ?? silentLogger;
  const cutoff = (options.now ?? (() => new Date()))().getTime() - options.olderThanMs;
  const result: SweepResult = { removed: [], orphanRulesRemoved: [] };

  for (const queueUrl of await replicaQueueUrls(sqs)) {
    let tags: Record<string, string>;
    try {
      tags = (await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }))).Tags ?? {};
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    const replicaId = tags[TAG_REPLICA];
    // Without our tags it is not a subscription queue of this bus, whatever its name says.
    if (!replicaId || tags[TAG_BUS] !== busName) continue;
    if (!isStale(tags[TAG_HEARTBEAT], cutoff)) continue;
    const name = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    await deleteReplicaResources({ eventBridge, sqs }, busName, name, queueUrl);
    logger.warn({ replicaId, heartbeat: tags[TAG_HEARTBEAT] }, 'swept a stale change bus subscription');
    result.removed.push(replicaId);
  }

  for (const rule of await replicaRules(eventBridge, busName)) {
    if (!rule.Name || !rule.Arn) continue;
    if (!isStale((await ruleTags(eventBridge, rule.Arn))[TAG_HEARTBEAT], cutoff)) continue;
    // A rule whose queue still exists belongs to the queue pass above (fresh, or just swept).
    if ((await queueUrlByName(sqs, rule.Name)) !== undefined) continue;
    await deleteReplicaResources({ eventBridge, sqs }, busName, rule.Name, undefined);
    logger.warn({ rule: rule.Name }, 'swept a change bus rule that had lost its queue');
    result.orphanRulesRemoved.push(rule.Name);
  }
  return result;
}

function isStale(heartbeat: string | undefined, cutoff: number): boolean {
  const at = heartbeat === undefined ? NaN : Date.parse(heartbeat);
  // An unreadable heartbeat cannot prove the owner alive.
  return Number.isNaN(at) || at < cutoff;
}

async function replicaQueueUrls(sqs: SQSClient): Promise<string[]> {
  const urls: string[] = [];
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: REPLICA_RESOURCE_PREFIX, MaxResults: 1000, NextToken }));
    urls.push(...(out.QueueUrls ?? []));
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return urls;
}

async function replicaRules(eventBridge: EventBridgeClient, busName: string) {
  const rules = [];
  let NextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await eventBridge.send(new ListRulesCommand({ EventBusName: busName, NamePrefix: REPLICA_RESOURCE_PREFIX, NextToken }));
    rules.push(...(out.Rules ?? []));
    NextToken = out.NextToken;
    if (!NextToken) break;
  }
  return rules;
}
