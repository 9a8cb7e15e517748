import { CreateEventBusCommand, EventBridgeClient, ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import type { PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools; lint keeps production code in core/ away from test/.
import { startMoto } from '../../../../test/support/moto.ts';
import type { RunningMoto } from '../../../../test/support/moto.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import type { MeshChangeEvent, Subscription } from '../../../bus/change-bus.ts';
import { DETAIL_TYPE, EVENT_SOURCE, REPLICA_RESOURCE_PREFIX, TAG_HEARTBEAT, TAG_REPLICA } from './constants.ts';
import { ChangeBusError } from './errors.ts';
import { EventBridgeChangeBus } from './eventbridge-change-bus.ts';
import type { EventBridgeChangeBusOptions } from './eventbridge-change-bus.ts';
import type { BusLogger } from './logger.ts';
import { replicaResourceName } from './replica-names.ts';
import { sweepStaleSubscriptions } from './sweep-stale-subscriptions.ts';

let moto: RunningMoto;
let eventBridge: EventBridgeClient;
let sqs: SQSClient;
let busName: string;
let busCount = 0;
const open: Subscription[] = [];

const event = (revision: number, mesh = 'shop'): MeshChangeEvent => ({
  tenantId: 'acme',
  mesh,
  revision,
  reason: 'commit',
  at: new Date(0).toISOString(),
});

function recordingLogger() {
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger: BusLogger = { warn: (_f, m) => warnings.push(m), error: (_f, m) => errors.push(m) };
  return { logger, warnings, errors };
}

function newBus(replicaId: string, overrides: Partial<EventBridgeChangeBusOptions> = {}): EventBridgeChangeBus {
  // Small waits keep the file fast; retries come back at once so redelivery is observable quickly.
  return new EventBridgeChangeBus({ eventBridge, sqs, busName, replicaId, waitTimeSeconds: 1, retryDelaySeconds: 0, publishBackoffMs: 1, ...overrides });
}

async function subscribe(bus: EventBridgeChangeBus, seen: MeshChangeEvent[], fail?: (e: MeshChangeEvent) => boolean): Promise<Subscription> {
  const subscription = await bus.subscribe((e) => {
    seen.push(e);
    if (fail?.(e)) throw new Error('handler failed on purpose');
  });
  open.push(subscription);
  return subscription;
}

async function queueUrlOf(replicaId: string): Promise<string> {
  return (await sqs.send(new GetQueueUrlCommand({ QueueName: replicaResourceName(replicaId) }))).QueueUrl as string;
}

async function replicaQueueNames(): Promise<string[]> {
  const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: REPLICA_RESOURCE_PREFIX }));
  return (QueueUrls ?? []).map((u) => u.slice(u.lastIndexOf('/') + 1));
}

async function replicaRuleNames(): Promise<string[]> {
  const { Rules } = await eventBridge.send(new ListRulesCommand({ EventBusName: busName, NamePrefix: REPLICA_RESOURCE_PREFIX }));
  return (Rules ?? []).map((r) => r.Name as string);
}

const revisions = (seen: MeshChangeEvent[]) => seen.map((e) => e.revision).sort((a, b) => a - b);

beforeAll(async () => {
  moto = await startMoto();
  eventBridge = new EventBridgeClient(moto.clientConfig);
  sqs = new SQSClient(moto.clientConfig);
});

afterAll(async () => {
  eventBridge?.destroy();
  sqs?.destroy();
  await moto?.stop();
});

// A fresh bus per test, and every subscription closed, so no test sees another's events.
describe('EventBridgeChangeBus on moto', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  const withBus = async () => {
    busName = `trellis-changes-${++busCount}`;
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  };

  it('delivers every published event to every replica', async () => {
    await withBus();
    const a: MeshChangeEvent[] = [];
    const b: MeshChangeEvent[] = [];
    await subscribe(newBus('replica-a'), a);
    await subscribe(newBus('replica-b'), b);

    const publisher = newBus('api');
    for (let revision = 1; revision <= 5; revision++) await publisher.publish(event(revision));

    await waitFor(() => a.length >= 5 && b.length >= 5, 'both replicas to receive 5 events', 10_000);
    expect(revisions(a)).toEqual([1, 2, 3, 4, 5]);
    expect(revisions(b)).toEqual([1, 2, 3, 4, 5]);
    expect(a[0]).toEqual(event(1));
  });

  it('delivers an event again when the handler fails, and deletes it once handled', async () => {
    await withBus();
    const seen: MeshChangeEvent[] = [];
    let failures = 0;
    await subscribe(newBus('replica-a'), seen, () => failures++ === 0);

    await newBus('api').publish(event(7));

    await waitFor(() => seen.length >= 2, 'the event to be delivered twice', 10_000);
    expect(seen.slice(0, 2)).toEqual([event(7), event(7)]);
    // Handled on the second delivery, so it is gone: nothing comes back after a visibility timeout of 0.
    const url = await queueUrlOf('replica-a');
    await waitFor(async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Attributes?.ApproximateNumberOfMessages === '0' && Attributes?.ApproximateNumberOfMessagesNotVisible === '0';
    }, 'the queue to be empty', 5_000);
    expect(seen).toHaveLength(2);
  });

  it('moves an event whose handler keeps failing to the dead-letter queue after maxReceiveCount', async () => {
    await withBus();
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `trellis-dlq-${busCount}` }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const seen: MeshChangeEvent[] = [];
    await subscribe(newBus('replica-a', { deadLetterQueueArn: Attributes?.QueueArn, maxReceiveCount: 2 }), seen, () => true);

    await newBus('api').publish(event(9));

    let dead: string | undefined;
    await waitFor(async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1 }));
      dead = out.Messages?.[0]?.Body;
      return dead !== undefined;
    }, 'the event in the dead-letter queue', 10_000);
    expect(JSON.parse(dead as string).detail).toEqual(event(9));
    expect(seen).toHaveLength(2);
  });

  it('drops malformed messages and keeps delivering good ones', async () => {
    await withBus();
    const seen: MeshChangeEvent[] = [];
    const { logger, warnings } = recordingLogger();
    await subscribe(newBus('replica-a', { logger }), seen);
    const QueueUrl = await queueUrlOf('replica-a');
    const bad = [
      'not json {',
      '"a string"',
      JSON.stringify({ source: 'someone.else', 'detail-type': DETAIL_TYPE, detail: event(1) }),
      JSON.stringify({ source: EVENT_SOURCE, 'detail-type': DETAIL_TYPE, detail: { ...event(1), revision: 'three' } }),
    ];
    for (const MessageBody of bad) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));

    await newBus('api').publish(event(2));

    await waitFor(() => seen.length >= 1 && warnings.length >= bad.length, 'the good event after the bad ones', 10_000);
    expect(seen).toEqual([event(2)]);
    expect(warnings).toEqual(bad.map(() => 'dropped malformed change bus message'));
  });

  it('close() stops polling promptly and removes the rule and the queue', async () => {
    await withBus();
    const subscription = await subscribe(newBus('replica-a', { waitTimeSeconds: 10 }), []);
    expect(await replicaRuleNames()).toEqual([replicaResourceName('replica-a')]);
    expect(await replicaQueueNames()).toContain(replicaResourceName('replica-a'));

    const started = performance.now();
    await subscription.close();

    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await replicaRuleNames()).toEqual([]);
    expect(await replicaQueueNames()).not.toContain(replicaResourceName('replica-a'));
    // Publishing still works with no subscriber left.
    await newBus('api').publish(event(1));
  });

  it('refreshes its heartbeat tag', async () => {
    await withBus();
    let clock = Date.parse('2026-01-01T00:00:00Z');
    await subscribe(newBus('replica-a', { heartbeatIntervalMs: 50, now: () => new Date((clock += 1000)) }), []);
    const QueueUrl = await queueUrlOf('replica-a');
    const heartbeat = async () => (await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags?.[TAG_HEARTBEAT];
    const first = await heartbeat();

    await waitFor(async () => (await heartbeat()) !== first, 'a newer heartbeat', 5_000);
    expect(Date.parse((await heartbeat()) as string)).toBeGreaterThan(Date.parse(first as string));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags?.[TAG_REPLICA]).toBe('replica-a');
  });

  it('sweepStaleSubscriptions removes a replica whose heartbeat is old and keeps a fresh one', async () => {
    await withBus();
    const hourAgo = () => new Date(Date.now() - 3_600_000);
    // The stale replica beats far less often than the test lasts, as a crashed one would.
    const stale = await newBus('crashed', { now: hourAgo, heartbeatIntervalMs: 600_000 }).subscribe(() => {});
    open.push(stale);
    const fresh: MeshChangeEvent[] = [];
    await subscribe(newBus('alive'), fresh);
    // A rule left without its queue by a replica that died while closing.
    await eventBridge.send(
      new PutRuleCommand({
        Name: `${REPLICA_RESOURCE_PREFIX}half-closed`,
        EventBusName: busName,
        EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }),
        Tags: [{ Key: TAG_HEARTBEAT, Value: hourAgo().toISOString() }],
      }),
    );

    const result = await sweepStaleSubscriptions({ eventBridge, sqs, busName, olderThanMs: 600_000 });

    expect(result).toEqual({ removed: ['crashed'], orphanRulesRemoved: [`${REPLICA_RESOURCE_PREFIX}half-closed`] });
    expect(await replicaRuleNames()).toEqual([replicaResourceName('alive')]);
    const queues = await replicaQueueNames();
    expect(queues).toContain(replicaResourceName('alive'));
    expect(queues).not.toContain(replicaResourceName('crashed'));
    await newBus('api').publish(event(3));
    await waitFor(() => fresh.length >= 1, 'the fresh replica to keep receiving', 10_000);
  });

  it('a live replica whose queue was swept recreates it and keeps receiving', async () => {
    await withBus();
    const seen: MeshChangeEvent[] = [];
    const { logger, warnings } = recordingLogger();
    // Its clock lags an hour, so the sweep takes it for dead while it is still polling.
    await subscribe(newBus('paused', { logger, now: () => new Date(Date.now() - 3_600_000), heartbeatIntervalMs: 600_000 }), seen);
    expect((await sweepStaleSubscriptions({ eventBridge, sqs, busName, olderThanMs: 600_000 })).removed).toEqual(['paused']);

    await waitFor(() => warnings.includes('change bus queue was missing and has been recreated'), 'the queue to be recreated', 10_000);
    await newBus('api').publish(event(8));

    await waitFor(() => seen.length >= 1, 'delivery through the recreated queue', 10_000);
    expect(seen).toEqual([event(8)]);
    expect(await replicaRuleNames()).toEqual([replicaResourceName('paused')]);
  });

  it('publish retries an entry EventBridge reports as failed, then succeeds (injected fault)', async () => {
    await withBus();
    const seen: MeshChangeEvent[] = [];
    await subscribe(newBus('replica-a'), seen);
    const { client, calls } = eventBridgeFailingEntries(1);

    await newBus('api', { eventBridge: client }).publish(event(4));

    expect(calls()).toEqual({ faked: 1, sent: 1 });
    await waitFor(() => seen.length >= 1, 'the retried event', 10_000);
    expect(seen).toEqual([event(4)]);
    client.destroy();
  });

  it('publish gives up after the configured attempts and throws with the entry error (injected fault)', async () => {
    await withBus();
    const { client, calls } = eventBridgeFailingEntries(Infinity);

    const publishing = newBus('api', { eventBridge: client, publishAttempts: 3 }).publish(event(5));

    await expect(publishing).rejects.toBeInstanceOf(ChangeBusError);
    await expect(publishing).rejects.toMatchObject({ message: expect.stringMatching(/after 3 attempts \(InternalFailure/), cause: { ErrorCode: 'InternalFailure' } });
    expect(calls()).toEqual({ faked: 3, sent: 0 });
    client.destroy();
  });

  it('publish does not retry an entry error that cannot succeed (injected fault)', async () => {
    await withBus();
    const { client, calls } = eventBridgeFailingEntries(Infinity, 'MalformedDetail');

    await expect(newBus('api', { eventBridge: client }).publish(event(6))).rejects.toThrow(/after 1 attempt \(MalformedDetail/);
    expect(calls()).toEqual({ faked: 1, sent: 0 });
    client.destroy();
  });
});

/**
 * An EventBridge client whose first `failures` PutEvents calls answer as EventBridge does when an
 * entry fails (200, FailedEntryCount 1) without reaching moto, which never fails a single entry.
 */
function eventBridgeFailingEntries(failures: number, errorCode = 'InternalFailure') {
  const client = new EventBridgeClient(moto.clientConfig);
  let faked = 0;
  let sent = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (faked < failures) {
        faked++;
        const output: PutEventsCommandOutput = {
          $metadata: { httpStatusCode: 200 },
          FailedEntryCount: 1,
          Entries: [{ ErrorCode: errorCode, ErrorMessage: 'injected by the test' }],
        };
        return { response: {}, output } as Awaited<ReturnType<typeof next>>;
      }
      sent++;
      return next(args);
    },
    { step: 'initialize', name: 'failPutEventsEntries' },
  );
  return { client, calls: () => ({ faked, sent }) };
}
