import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ChangeBus, ChangeHandler, MeshChangeEvent, Subscription } from '../../../bus/change-bus.ts';
import { ConflictError } from '../../../errors.ts';
import { toPutEventsEntry } from './event-codec.ts';
import { silentLogger } from './logger.ts';
import type { BusLogger } from './logger.ts';
import { putEntryWithRetry } from './publish-event.ts';
import { replicaResourceName } from './replica-names.ts';
import { ReplicaSubscription } from './replica-subscription.ts';

export interface EventBridgeChangeBusOptions {
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
  /** Name (or ARN) of the custom event bus. */
  busName: string;
  /** Unique per xds-server replica (e.g. the ECS task id); names its queue and rule. */
  replicaId: string;
  /** Where a message goes after `maxReceiveCount` failed deliveries; none keeps retrying until retention ends. */
  deadLetterQueueArn?: string;
  /** Receives before a message moves to the dead-letter queue. Default 5. */
  maxReceiveCount?: number;
  /** SQS long-poll wait, 0-20 s. Default 20. */
  waitTimeSeconds?: number;
  /** How long a received message stays invisible while its handler runs. Default 30 s. */
  visibilityTimeoutSeconds?: number;
  /** Delay before a message whose handler failed is delivered again. Default 5 s. */
  retryDelaySeconds?: number;
  /** How often the subscription refreshes its heartbeat tag. Default 60 s. */
  heartbeatIntervalMs?: number;
  /** Tries per publish while EventBridge reports the entry as failed. Default 4. */
  publishAttempts?: number;
  /** Base of the exponential backoff between publish tries. Default 100 ms. */
  publishBackoffMs?: number;
  now?: () => Date;
  random?: () => number;
  logger?: BusLogger;
}

/**
 * The ChangeBus on Amazon EventBridge: publish puts one event on the custom bus; each replica
 * subscribes through its own SQS queue and rule, so every replica sees every change.
 */
export class EventBridgeChangeBus implements ChangeBus {
  readonly #options: EventBridgeChangeBusOptions;
  readonly #name: string;
  #subscription: ReplicaSubscription | undefined;

  constructor(options: EventBridgeChangeBusOptions) {
    this.#options = options;
    this.#name = replicaResourceName(options.replicaId);
  }

  async publish(event: MeshChangeEvent): Promise<void> {
    const o = this.#options;
    await putEntryWithRetry(o.eventBridge, toPutEventsEntry(event, o.busName), {
      attempts: o.publishAttempts ?? 4,
      backoffMs: o.publishBackoffMs ?? 100,
      random: o.random ?? Math.random,
    });
  }

  /** One subscription per replica: its queue and rule carry the replica's name. */
  async subscribe(handler: ChangeHandler): Promise<Subscription> {
    if (this.#subscription) throw new ConflictError(`replica ${this.#options.replicaId} already has a subscription; close it first`);
    const o = this.#options;
    const subscription = await ReplicaSubscription.open(
      {
        eventBridge: o.eventBridge,
        sqs: o.sqs,
        busName: o.busName,
        replicaId: o.replicaId,
        name: this.#name,
        deadLetterQueueArn: o.deadLetterQueueArn,
        maxReceiveCount: o.maxReceiveCount ?? 5,
        waitTimeSeconds: Math.min(20, Math.max(0, o.waitTimeSeconds ?? 20)),
        visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? 30,
        retryDelaySeconds: o.retryDelaySeconds ?? 5,
        heartbeatIntervalMs: o.heartbeatIntervalMs ?? 60_000,
        now: o.now ?? (() => new Date()),
        logger: o.logger ?? silentLogger,
      },
      handler,
    );
    this.#subscription = subscription;
    return {
      close: async () => {
        await subscription.close();
        if (this.#subscription === subscription) this.#subscription = undefined;
      },
    };
  }
}
