import { DynamoDBClient, GetItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools and contract suite; lint keeps production code in core/ away from test/.
import { workloadRegistryContract } from '../../../../test/contracts/workload-registry-contract.ts';
import { manualClock, workload } from '../../../../test/contracts/workload-registry/fixtures.ts';
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { DynamoDbStoreError } from '../dynamodb-store/sdk-errors.ts';
import { ensureTable } from '../dynamodb-store/table.ts';
import { DynamoDbWorkloadRegistry } from './dynamodb-registry.ts';

const TABLE = 'trellis-config';
let moto: RunningMoto;
const clients: DynamoDBClient[] = [];

/**
 * A client on moto. `unprocessed` may name, per BatchWriteItem call, how many of its requests
 * to hold back from moto and hand back as UnprocessedItems, as DynamoDB does when throttled.
 */
function motoClient(options: { batchWrites?: number[]; unprocessed?: (call: number, requests: number) => number } = {}): DynamoDBClient {
  const client = new DynamoDBClient({ ...moto.clientConfig, maxAttempts: 1 });
  // At the initialize step requests and responses are still in document form (lib-dynamodb marshals later).
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      const input = args.input as { RequestItems: Record<string, unknown[]> };
      const requests = input.RequestItems[TABLE] ?? [];
      const call = options.batchWrites?.push(requests.length) ?? 0;
      const held = options.unprocessed?.(call, requests.length) ?? 0;
      if (held === 0) return next(args);
      const sent = requests.slice(0, requests.length - held);
      const heldBack = requests.slice(requests.length - held);
      if (sent.length === 0) return { output: { UnprocessedItems: { [TABLE]: heldBack }, $metadata: {} } } as unknown as Awaited<ReturnType<typeof next>>;
      const result = (await next({ ...args, input: { ...input, RequestItems: { [TABLE]: sent } } })) as { output: { UnprocessedItems?: Record<string, unknown[]> } };
      result.output.UnprocessedItems = { [TABLE]: [...(result.output.UnprocessedItems?.[TABLE] ?? []), ...heldBack] };
      return result as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'holdBackBatchWrites' },
  );
  clients.push(client);
  return client;
}

beforeAll(async () => {
  moto = await startMoto();
  const client = motoClient();
  await ensureTable(client, TABLE);
  // As infra/constructs/storage.ts declares it.
  await client.send(new UpdateTimeToLiveCommand({ TableName: TABLE, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await moto?.stop();
});

workloadRegistryContract('dynamodb (moto)', async (now) => {
  const registry = new DynamoDbWorkloadRegistry({ client: motoClient(), tableName: TABLE, now });
  return { registry, cleanup: () => registry.close() };
});

let seq = 0;
const tenant = () => `ddb-${process.pid}-${Date.now().toString(36)}-${seq++}`;

describe('DynamoDbWorkloadRegistry on moto', () => {
  it('keeps an entry as one item in the LIVE partition, with its expiry as the TTL attribute in epoch seconds', async () => {
    const client = motoClient();
    const clock = manualClock();
    const registry = new DynamoDbWorkloadRegistry({ client, tableName: TABLE, now: clock.now });
    const t = tenant();
    const entry = workload(clock, t, 'prod', 'spiffe://td/ns/shop/sa/web@node-1', { expiresAt: '2031-01-02T03:04:05.006Z' });

    await registry.put([entry]);
    const out = await client.send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: `LIVE#${t}#prod` }, SK: { S: `WL#${entry.id}` } }, ConsistentRead: true }));

    expect(out.Item?.expiresAt).toEqual({ N: String(Math.ceil(Date.parse('2031-01-02T03:04:05.006Z') / 1000)) });
    expect(out.Item?.replica).toEqual({ S: 'replica-a' });
    expect(JSON.parse(out.Item!.workload!.S!)).toEqual(entry);
  });

  it('writes 60 entries in batches of 25', async () => {
    const batchWrites: number[] = [];
    const clock = manualClock();
    const registry = new DynamoDbWorkloadRegistry({ client: motoClient({ batchWrites }), tableName: TABLE, now: clock.now });
    const t = tenant();

    await registry.put(Array.from({ length: 60 }, (_, i) => workload(clock, t, i < 30 ? 'prod' : 'dev', `node-${i}`)));

    expect(batchWrites).toEqual([25, 25, 10]);
    expect(await registry.list(t, 'prod')).toHaveLength(30);
    expect(await registry.list(t, 'dev')).toHaveLength(30);
  });

  it('sends each key once per put, since DynamoDB refuses a batch naming a key twice (moto does not)', async () => {
    const batchWrites: number[] = [];
    const clock = manualClock();
    const registry = new DynamoDbWorkloadRegistry({ client: motoClient({ batchWrites }), tableName: TABLE, now: clock.now });
    const t = tenant();

    await registry.put([workload(clock, t, 'prod', 'a'), workload(clock, t, 'prod', 'b'), workload(clock, t, 'prod', 'a', { address: '10.0.0.2' }), workload(clock, t, 'dev', 'a')]);

    expect(batchWrites).toEqual([3]);
    expect((await registry.list(t, 'prod')).map((e) => [e.id, e.address])).toEqual([
      ['a', '10.0.0.2'],
      ['b', '10.0.0.1'],
    ]);
  });

  it('retries the items DynamoDB leaves unprocessed until every one is written (injected UnprocessedItems)', async () => {
    const batchWrites: number[] = [];
    const clock = manualClock();
    // The first two calls of each chunk get only part of their requests through.
    const registry = new DynamoDbWorkloadRegistry({ client: motoClient({ batchWrites, unprocessed: (call, n) => (call <= 2 ? n - 5 : call === 3 ? n : 0) }), tableName: TABLE, now: clock.now });
    const t = tenant();
    const entries = Array.from({ length: 30 }, (_, i) => workload(clock, t, 'prod', `node-${String(i).padStart(2, '0')}`));

    await registry.put(entries);

    expect(batchWrites).toEqual([25, 20, 15, 15, 5]);
    expect((await registry.list(t, 'prod')).map((e) => e.id)).toEqual(entries.map((e) => e.id));
  });

  it('gives up with DynamoDbStoreError after bounded retries when items stay unprocessed (injected UnprocessedItems)', async () => {
    const batchWrites: number[] = [];
    const clock = manualClock();
    const registry = new DynamoDbWorkloadRegistry({ client: motoClient({ batchWrites, unprocessed: (_call, n) => n }), tableName: TABLE, now: clock.now });

    const put = registry.put([workload(clock, tenant(), 'prod', 'a')]);

    await expect(put).rejects.toBeInstanceOf(DynamoDbStoreError);
    await expect(put).rejects.toThrow(/still unprocessed after 8 retries/);
    expect(batchWrites).toHaveLength(9);
  });

  it("forgets a crashed replica's workloads once they expire, as another replica lists them", async () => {
    const clock = manualClock();
    const clientA = motoClient();
    const replicaA = new DynamoDbWorkloadRegistry({ client: clientA, tableName: TABLE, now: clock.now });
    const replicaB = new DynamoDbWorkloadRegistry({ client: motoClient(), tableName: TABLE, now: clock.now });
    const ttl = 30_000;
    const t = tenant();
    const expiring = (replica: string) => ({ replica, expiresAt: new Date(clock.now().getTime() + ttl).toISOString() });
    await replicaA.put(['a-1', 'a-2', 'a-3'].map((id) => workload(clock, t, 'prod', id, expiring('replica-a'))));
    await replicaB.put([workload(clock, t, 'prod', 'b-1', expiring('replica-b'))]);
    const beforeCrash = await replicaB.list(t, 'prod');

    // Replica A dies: it neither refreshes nor removes its entries again.
    clientA.destroy();
    clock.advance(ttl / 2);
    await replicaB.put([workload(clock, t, 'prod', 'b-1', expiring('replica-b'))]);
    clock.advance(ttl / 2 - 1);
    const justBefore = await replicaB.list(t, 'prod');
    clock.advance(1);
    const afterExpiry = await replicaB.list(t, 'prod');
    const leftover = await new DynamoDbWorkloadRegistry({ client: motoClient(), tableName: TABLE, now: () => new Date(clock.now().getTime() - ttl) }).list(t, 'prod');

    expect(beforeCrash.map((e) => e.id)).toEqual(['a-1', 'a-2', 'a-3', 'b-1']);
    expect(justBefore.map((e) => e.id)).toEqual(['a-1', 'a-2', 'a-3', 'b-1']);
    expect(afterExpiry.map((e) => [e.id, e.replica])).toEqual([['b-1', 'replica-b']]);
    // The items themselves wait for DynamoDB's TTL sweep; only the listing ignores them.
    expect(leftover.map((e) => e.id)).toEqual(['a-1', 'a-2', 'a-3', 'b-1']);
  });
});
