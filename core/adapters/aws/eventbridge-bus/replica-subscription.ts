import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import type { ChangeHandler, Subscription } from '../../../bus/change-bus.ts';
import { TAG_HEARTBEAT } from './constants.ts';
import { ChangeBusError } from './errors.ts';
import { fromQueueMessageBody } from './event-codec.ts';
import type { BusLogger } from './logger.ts';
import { deleteReplicaResources, isNotFound, provisionReplicaResources, queueUrlByName } from './replica-resources.ts';
import type { ReplicaResourceSpec, ReplicaResources } from './replica-resources.ts';
import { backoffMs, sleep } from './sleep.ts';

export interface ReplicaSubscriptionSettings extends Omit<ReplicaResourceSpec, 'heartbeat'> {
  waitTimeSeconds: number;
  /** How long a message whose handler failed stays invisible before it is delivered again. */
  retryDelaySeconds: number;
  heartbeatIntervalMs: number;
  now: () => Date;
  logger: BusLogger;
}

const MAX_MESSAGES = 10;
const ERROR_BACKOFF_BASE_MS = 200;
const ERROR_BACKOFF_CAP_MS = 10_000;

/**
 * One replica's view of the bus: its own queue fed by its own rule, long-polled until close().
 * A message is deleted only after the handler succeeded, so delivery is at-least-once. The
 * messages of one receive (up to 10) are handled concurrently, like the in-process bus does.
 */
export class ReplicaSubscription implements Subscription {
  readonly #settings: ReplicaSubscriptionSettings;
  readonly #handler: ChangeHandler;
  readonly #stop = new AbortController();
  #resources: ReplicaResources;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #heartbeatInFlight: Promise<void> | undefined;
  #polling: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  private constructor(settings: ReplicaSubscriptionSettings, handler: ChangeHandler, resources: ReplicaResources) {
    this.#settings = settings;
    this.#handler = handler;
    this.#resources = resources;
  }

  /** Provisions the queue and rule, then starts polling and the heartbeat. */
  static async open(settings: ReplicaSubscriptionSettings, handler: ChangeHandler): Promise<ReplicaSubscription> {
    let resources: ReplicaResources;
    try {
      resources = await provisionReplicaResources({ ...settings, heartbeat: settings.now() });
    } catch (err) {
      // Leave nothing half-made behind; if this fails too, the sweep finds the tagged queue later.
      await deleteReplicaResources(settings, settings.busName, settings.name, await queueUrlByName(settings.sqs, settings.name)).catch(() => {});
      if (err instanceof ChangeBusError) throw err;
      throw new ChangeBusError(`could not subscribe replica ${settings.replicaId}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const subscription = new ReplicaSubscription(settings, handler, resources);
    subscription.#start();
    return subscription;
  }

  /** The queue this replica reads; exposed for operations and tests. */
  get queueUrl(): string {
    return this.#resources.queueUrl;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#stop.abort();
    clearInterval(this.#heartbeatTimer);
    await this.#polling;
    await this.#heartbeatInFlight;
    const { eventBridge, sqs, busName, name } = this.#settings;
    await deleteReplicaResources({ eventBridge, sqs }, busName, name, this.#resources.queueUrl);
  }

  #start(): void {
    this.#heartbeatTimer = setInterval(() => this.#beat(), this.#settings.heartbeatIntervalMs);
    // The heartbeat alone must not keep a process alive that has nothing else to do.
    this.#heartbeatTimer.unref();
    this.#polling = this.#poll();
  }

  #beat(): void {
    if (this.#heartbeatInFlight || this.#stop.signal.aborted) return;
    const { sqs, logger, now, replicaId } = this.#settings;
    this.#heartbeatInFlight = sqs
      .send(new TagQueueCommand({ QueueUrl: this.#resources.queueUrl, Tags: { [TAG_HEARTBEAT]: now().toISOString() } }))
      .then(
        () => undefined,
        (err: unknown) => logger.warn({ err, replicaId }, 'change bus heartbeat failed'),
      )
      .finally(() => (this.#heartbeatInFlight = undefined));
  }

  /** Runs until close(); each failure waits a little longer, capped, so an outage is not a busy loop. */
  async #poll(): Promise<void> {
    const { signal } = this.#stop;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { Messages } = await this.#settings.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#resources.queueUrl,
            MaxNumberOfMessages: MAX_MESSAGES,
            WaitTimeSeconds: this.#settings.waitTimeSeconds,
          }),
          { abortSignal: signal },
        );
        failures = 0;
        await this.#deliver(Messages ?? []);
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.#settings.logger.error({ err, replicaId: this.#settings.replicaId, failures }, 'change bus receive failed');
        await sleep(backoffMs(failures, ERROR_BACKOFF_BASE_MS, ERROR_BACKOFF_CAP_MS, Math.random), signal);
        if (isNotFound(err) && !signal.aborted) await this.#reprovision();
      }
    }
  }

  /** The queue vanished (swept while this replica was paused): make it again and carry on. */
  async #reprovision(): Promise<void> {
    try {
      this.#resources = await provisionReplicaResources({ ...this.#settings, heartbeat: this.#settings.now() });
      this.#settings.logger.warn({ replicaId: this.#settings.replicaId }, 'change bus queue was missing and has been recreated');
    } catch (err) {
      this.#settings.logger.error({ err, replicaId: this.#settings.replicaId }, 'change bus queue could not be recreated');
    }
  }

  async #deliver(messages: Message[]): Promise<void> {
    const done: Message[] = [];
    const failed: Message[] = [];
    await Promise.all(
      messages.map(async (message) => {
        const parsed = fromQueueMessageBody(message.Body);
        if (!parsed.ok) {
          // Redelivering a body that cannot be read would fail forever: drop it, loudly.
          this.#settings.logger.warn({ messageId: message.MessageId, errors: parsed.errors }, 'dropped malformed change bus message');
          done.push(message);
          return;
        }
        try {
          await this.#handler(parsed.value);
          done.push(message);
        } catch (err) {
          this.#settings.logger.error({ err, messageId: message.MessageId, event: parsed.value }, 'change handler failed; the event will be delivered again');
          failed.push(message);
        }
      }),
    );
    await Promise.all([this.#acknowledge(done), ...failed.map((m) => this.#retryLater(m))]);
  }

  async #acknowledge(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const Entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
    try {
      const result = await this.#settings.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.#resources.queueUrl, Entries }));
      if (result.Failed?.length) this.#settings.logger.warn({ failed: result.Failed }, 'some change bus messages were not deleted and may be delivered again');
    } catch (err) {
      this.#settings.logger.warn({ err }, 'change bus messages were not deleted and may be delivered again');
    }
  }

  async #retryLater(message: Message): Promise<void> {
    try {
      await this.#settings.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#resources.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: this.#settings.retryDelaySeconds,
        }),
      );
    } catch (err) {
      // The visibility timeout still brings it back, only later.
      this.#settings.logger.warn({ err, messageId: message.MessageId }, 'could not shorten the retry delay of a change bus message');
    }
  }
}
