import { DynamoDBClient, GetItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools and contract suite; lint keeps production code in core/ away from test/.
import { fleetStatusContract } from '../../../../test/contracts/fleet-status-contract.ts';
import { fullRecord, manualClock, newTenant, record } from '../../../../test/contracts/fleet-status/fixtures.ts';
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { ensureTable } from '../dynamodb-store/table.ts';
import { DynamoDbFleetStatus } from './dynamodb-fleet-status.ts';

const TABLE = 'trellis-config';
let moto: RunningMoto;
const clients: DynamoDBClient[] = [];

/** A client on moto that may count the requests of each BatchWriteItem call. */
function motoClient(batchWrites?: number[]): DynamoDBClient {
  const client = new DynamoDBClient({ ...moto.clientConfig, maxAttempts: 1 });
  if (batchWrites) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchWriteItemCommand') batchWrites.push(((args.input as { RequestItems: Record<string, unknown[]> }).RequestItems[TABLE] ?? []).length);
        return next(args);
      },
      { step: 'initialize', name: 'countBatchWrites' },
    );
  }
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

fleetStatusContract('dynamodb (moto)', async (now) => {
  const fleet = new DynamoDbFleetStatus({ client: motoClient(), tableName: TABLE, now });
  return { fleet, cleanup: () => fleet.close() };
});

describe('DynamoDbFleetStatus on moto', () => {
  it('keeps a record as one item in the FLEET partition, the proxy id percent-encoded, its expiry as the TTL attribute in epoch seconds', async () => {
    const client = motoClient();
    const clock = manualClock();
    const fleet = new DynamoDbFleetStatus({ client, tableName: TABLE, now: clock.now });
    const t = newTenant();
    const status = { ...fullRecord(clock, t, 'prod', 'web#1'), expiresAt: '2031-01-02T03:04:05.006Z' };

    await fleet.put([status]);
    const out = await client.send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: `FLEET#${t}#prod` }, SK: { S: 'PROXY#web%231' } }, ConsistentRead: true }));

    expect(out.Item?.expiresAt).toEqual({ N: String(Math.ceil(Date.parse('2031-01-02T03:04:05.006Z') / 1000)) });
    expect(out.Item?.replica).toEqual({ S: status.replica });
    expect(JSON.parse(out.Item!.status!.S!)).toEqual(status);
  });

  it('writes 60 records in batches of 25, each key once', async () => {
    const batchWrites: number[] = [];
    const clock = manualClock();
    const fleet = new DynamoDbFleetStatus({ client: motoClient(batchWrites), tableName: TABLE, now: clock.now });
    const t = newTenant();

    await fleet.put([...Array.from({ length: 60 }, (_, i) => record(clock, t, 'prod', `node-${i}`)), record(clock, t, 'prod', 'node-0', { revision: 2 })]);

    expect(batchWrites).toEqual([25, 25, 10]);
    expect(await fleet.list(t, 'prod')).toHaveLength(60);
  });

  it("forgets a crashed replica's proxies once their records expire, as the API lists them", async () => {
    const clock = manualClock();
    const clientA = motoClient();
    const replicaA = new DynamoDbFleetStatus({ client: clientA, tableName: TABLE, now: clock.now });
    const api = new DynamoDbFleetStatus({ client: motoClient(), tableName: TABLE, now: clock.now });
    const t = newTenant();
    await replicaA.put(['a-1', 'a-2'].map((id) => record(clock, t, 'prod', id)));
    await api.put([record(clock, t, 'prod', 'b-1', { replica: 'replica-b' })]);
    const beforeCrash = await api.list(t, 'prod');

    // Replica A dies; replica B keeps its heartbeat.
    clientA.destroy();
    clock.advance(30_000);
    await api.put([record(clock, t, 'prod', 'b-1', { replica: 'replica-b' })]);
    clock.advance(30_000);

    expect(beforeCrash.map((r) => r.proxyId)).toEqual(['a-1', 'a-2', 'b-1']);
    expect((await api.list(t, 'prod')).map((r) => [r.proxyId, r.replica])).toEqual([['b-1', 'replica-b']]);
  });
});
