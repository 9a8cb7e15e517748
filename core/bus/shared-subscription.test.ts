import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type RunningMoto } from '../../test/support/moto.ts';
import { waitFor } from '../../test/support/ports.ts';
import { EventBridgeChangeBus } from '../adapters/aws/eventbridge-bus/eventbridge-change-bus.ts';
import { replicaResourceName } from '../adapters/aws/eventbridge-bus/replica-names.ts';
import type { MeshChangeEvent } from './change-bus.ts';
import { SharedSubscriptionBus } from './shared-subscription.ts';

let moto: RunningMoto;
let eventBridge: EventBridgeClient;
let sqs: SQSClient;
let busCount = 0;

const event = (revision: number): MeshChangeEvent => ({ tenantId: 'acme', mesh: 'shop', revision, reason: 'commit', at: new Date(0).toISOString() });

async function newBus(replicaId: string): Promise<EventBridgeChangeBus> {
  const busName = `trellis-shared-${++busCount}`;
  await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  return new EventBridgeChangeBus({ eventBridge, sqs, busName, replicaId, waitTimeSeconds: 1, retryDelaySeconds: 0, publishBackoffMs: 1 });
}

async function queueExists(replicaId: string): Promise<boolean> {
  const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: replicaResourceName(replicaId) }));
  return (QueueUrls ?? []).length > 0;
}

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

describe('SharedSubscriptionBus over the EventBridge bus on moto', () => {
  it('a second subscriber of one replica would be refused by the bus itself', async () => {
    const bus = await newBus('plain-a');
    const first = await bus.subscribe(() => undefined);
    await expect(bus.subscribe(() => undefined)).rejects.toThrow(/already has a subscription/);
    await first.close();
  });

  it('gives every local subscriber every event through one replica subscription', async () => {
    const eb = await newBus('shared-a');
    const shared = new SharedSubscriptionBus(eb);
    const a: number[] = [];
    const b: number[] = [];
    const subA = await shared.subscribe((e) => void a.push(e.revision));
    const subB = await shared.subscribe((e) => void b.push(e.revision));
    for (let revision = 1; revision <= 3; revision++) await shared.publish(event(revision));
    await waitFor(() => a.length >= 3 && b.length >= 3, 'both subscribers to see 3 events', 10_000);
    expect([...a].sort()).toEqual([1, 2, 3]);
    expect([...b].sort()).toEqual([1, 2, 3]);

    // The replica's queue lives while one local subscriber does.
    await subA.close();
    expect(await queueExists('shared-a')).toBe(true);
    await shared.publish(event(4));
    await waitFor(() => b.includes(4), 'the remaining subscriber to see event 4', 10_000);
    expect(a).not.toContain(4);
    await subB.close();
    await waitFor(async () => !(await queueExists('shared-a')), 'the replica queue to go with the last subscriber', 10_000);
  });

  it('a failing subscriber gets the event again, and so do the others, after all have run', async () => {
    const shared = new SharedSubscriptionBus(await newBus('shared-b'));
    const ok: number[] = [];
    let failures = 0;
    const subOk = await shared.subscribe((e) => void ok.push(e.revision));
    const subFail = await shared.subscribe(() => {
      if (failures++ === 0) throw new Error('failed on purpose');
    });
    await shared.publish(event(9));
    await waitFor(() => ok.length >= 2 && failures >= 2, 'the event to be delivered again', 10_000);
    expect(ok.slice(0, 2)).toEqual([9, 9]);
    await subOk.close();
    await subFail.close();
  });

  it('a subscriber that closes twice does not close the others', async () => {
    const shared = new SharedSubscriptionBus(await newBus('shared-c'));
    const seen: number[] = [];
    const gone = await shared.subscribe(() => undefined);
    const kept = await shared.subscribe((e) => void seen.push(e.revision));
    await gone.close();
    await gone.close();
    await shared.publish(event(5));
    await waitFor(() => seen.includes(5), 'the kept subscriber to see event 5', 10_000);
    expect(seen).toEqual([5]);
    await kept.close();
  });
});
