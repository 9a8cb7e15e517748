import { DynamoDBClient, QueryCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools and contract suite; lint keeps production code in core/ away from test/.
import { durations, goldenSignalsContract } from '../../../../test/contracts/golden-signals-contract.ts';
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { DURATION_BOUNDS_MS, MAX_WINDOW_SECONDS } from '../../../signals/index.ts';
import { ensureTable } from '../dynamodb-store/table.ts';
import { DynamoDbSignals } from './dynamodb-signals.ts';

const TABLE = 'trellis-signals';
let moto: RunningMoto;
let client: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  client = new DynamoDBClient({ ...moto.clientConfig, maxAttempts: 1 });
  await ensureTable(client, TABLE);
  // As infra/constructs/golden-signals.ts declares it.
  await client.send(new UpdateTimeToLiveCommand({ TableName: TABLE, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

goldenSignalsContract('dynamodb (moto)', () => new DynamoDbSignals({ client, tableName: TABLE }));

describe('DynamoDbSignals on moto', () => {
  it('keeps one small item per service, version and slot and one per reporter, each with a TTL past the longest window', async () => {
    // Prepare
    const store = new DynamoDbSignals({ client, tableName: TABLE });
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 5));
    const reporter = `spiffe://example.org/ns/shop/sa/${'x'.repeat(200)}`;
    const host = 'reviews.shop.svc.cluster.local';
    // Act: 1,000 reports from one sidecar into one slot
    for (let i = 0; i < 20; i++) {
      await store.record('tenant#1', 'prod', reporter, { services: [{ host, version: 'v1', requests: 50, errors: 1, durationCounts: durations([[5, 25], [3600000, 25]]) }] }, at);
    }
    // Assess
    const out = await client.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: `SIGNALS#tenant%231#prod#${host}` } } }));
    const items = out.Items ?? [];
    expect(items.map((i) => i.SK!.S)).toEqual(['REPORTER#' + encodeURIComponent(reporter), `SLOT#${String(Date.UTC(2026, 0, 1) / 10_000).padStart(12, '0')}#v1`]);
    const slot = items.find((i) => i.SK!.S!.startsWith('SLOT#'))!;
    expect(slot.requests).toEqual({ N: '1000' });
    expect(slot.errors).toEqual({ N: '20' });
    expect(slot[`d${DURATION_BOUNDS_MS.indexOf(5)}`]).toEqual({ N: '500' });
    expect(Object.keys(slot).length).toBeLessThanOrEqual(7 + DURATION_BOUNDS_MS.length + 1);
    const slotEnd = Date.UTC(2026, 0, 1, 0, 0, 10) / 1000;
    for (const item of items) expect(Number(item.expiresAt!.N)).toBe(slotEnd + MAX_WINDOW_SECONDS);
    expect(Buffer.byteLength(JSON.stringify(slot))).toBeLessThan(2048);
  });
});
