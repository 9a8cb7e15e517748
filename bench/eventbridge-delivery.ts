// EventBridge ChangeBus against moto: publish → handler latency (p50/p99) on two replicas.
// Run: npx tsx bench/eventbridge-delivery.ts   (EB_BENCH_COUNT=20, EB_BENCH_WAIT_SECONDS=20)
import { performance } from 'node:perf_hooks';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { MeshChangeEvent, Subscription } from '../core/bus/change-bus.ts';
import { EventBridgeChangeBus } from '../core/adapters/aws/eventbridge-bus/index.ts';
import { startMoto } from '../test/support/moto.ts';
import { ms, percentile } from './stats.ts';

const COUNT = Number(process.env.EB_BENCH_COUNT ?? 20);
const WAIT_SECONDS = Number(process.env.EB_BENCH_WAIT_SECONDS ?? 20);
const WARM_UP = 3;
const TIMEOUT_MS = 10_000;
const REPLICAS = ['bench-a', 'bench-b'];

const moto = await startMoto();
const eventBridge = new EventBridgeClient(moto.clientConfig);
const sqs = new SQSClient(moto.clientConfig);
const subscriptions: Subscription[] = [];
try {
  const busName = 'trellis-bench';
  await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const options = { eventBridge, sqs, busName, waitTimeSeconds: WAIT_SECONDS };
  // Per replica, the time each revision arrived.
  const arrivals = REPLICAS.map(() => new Map<number, number>());
  for (const [i, replicaId] of REPLICAS.entries()) {
    const bus = new EventBridgeChangeBus({ ...options, replicaId });
    subscriptions.push(await bus.subscribe((e: MeshChangeEvent) => void arrivals[i]!.set(e.revision, performance.now())));
  }
  const publisher = new EventBridgeChangeBus({ ...options, replicaId: 'bench-api' });

  const publishMs: number[] = [];
  const deliveryMs: number[] = [];
  for (let revision = 1; revision <= WARM_UP + COUNT; revision++) {
    const t0 = performance.now();
    await publisher.publish({ tenantId: 'bench', mesh: 'shop', revision, reason: 'commit', at: new Date().toISOString() });
    const published = performance.now();
    const deadline = t0 + TIMEOUT_MS;
    while (!arrivals.every((a) => a.has(revision)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    if (!arrivals.every((a) => a.has(revision))) throw new Error(`revision ${revision} not delivered within ${TIMEOUT_MS} ms`);
    if (revision <= WARM_UP) continue;
    publishMs.push(published - t0);
    for (const a of arrivals) deliveryMs.push(a.get(revision)! - t0);
  }
  console.log(`EventBridge ChangeBus on moto, ${COUNT} events × ${REPLICAS.length} replicas, WaitTimeSeconds ${WAIT_SECONDS}, node ${process.version}`);
  console.log(`  publish (PutEvents)   p50 ${ms(percentile(publishMs, 50))}   p99 ${ms(percentile(publishMs, 99))}`);
  console.log(`  publish → handler     p50 ${ms(percentile(deliveryMs, 50))}   p99 ${ms(percentile(deliveryMs, 99))}`);
} finally {
  await Promise.allSettled(subscriptions.map((s) => s.close()));
  eventBridge.destroy();
  sqs.destroy();
  await moto.stop();
}
