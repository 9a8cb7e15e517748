import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { cloudMapLeasesContract } from '../../../../test/contracts/cloud-map-leases-contract.ts';
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { ensureTable } from '../dynamodb-store/table.ts';
import { DynamoDbCloudMapLeases } from './dynamodb-cloud-map-leases.ts';

const TABLE = 'trellis-config';
let moto: RunningMoto;
let client: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  client = new DynamoDBClient(moto.clientConfig);
  await ensureTable(client, TABLE);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

cloudMapLeasesContract('DynamoDB (moto)', (now) => new DynamoDbCloudMapLeases({ client, tableName: TABLE, now }));
