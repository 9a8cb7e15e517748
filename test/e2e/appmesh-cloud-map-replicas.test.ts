import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateHttpNamespaceCommand, CreateServiceCommand, DeleteServiceCommand, DeregisterInstanceCommand, ListNamespacesCommand, RegisterInstanceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCloudMapLeases, DynamoDbWorkloadRegistry } from '../../core/adapters/aws/dynamodb-registry/index.ts';
import { DynamoDbConfigStore, ensureTable } from '../../core/adapters/aws/dynamodb-store/index.ts';
import { EventBridgeChangeBus } from '../../core/adapters/aws/eventbridge-bus/index.ts';
import { createApi } from '../../functions/app.ts';
import { ensureBootstrap } from '../../functions/bootstrap.ts';
import { startMoto, type RunningMoto } from '../support/moto.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { ROOT } from '../support/tools.ts';

const KEY = 'appmesh-replicas-admin-key-0123456789';
const TABLE = 'trellis';
const BUS = 'trellis-config';
const METRICS_NAMESPACE = 'Trellis/CloudMapReplicas';
const SERVICES = ['reviews', 'ratings', 'details', 'orders'];
/** Leases last two periods and entries three: 2 s leaves a loaded machine room for slow polls. */
const PERIOD_MS = 2000;

interface Replica {
  id: string;
  child: ChildProcess;
  adminPort: number;
  logs: string[];
}

let moto: RunningMoto;
let api: ReturnType<typeof createApi>;
let cloudMap: ServiceDiscoveryClient;
const serviceIds = new Map<string, string>();
const replicas: Replica[] = [];

async function startReplica(id: string): Promise<Replica> {
  const adminPort = await freePort();
  const logs: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'xds-server/main.ts')], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      TRELLIS_TABLE_NAME: TABLE,
      TRELLIS_BUS_NAME: BUS,
      TRELLIS_REPLICA_ID: id,
      TRELLIS_XDS_PORT: String(await freePort()),
      TRELLIS_ADMIN_PORT: String(adminPort),
      TRELLIS_SQS_WAIT_SECONDS: '1',
      TRELLIS_CLOUD_MAP_PERIOD_MS: String(PERIOD_MS),
      TRELLIS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      TRELLIS_METRICS_INTERVAL_MS: '1000',
      TRELLIS_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => logs.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => logs.push(b.toString()));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).ok, `replica ${id} health (${logs.join('')})`, 30_000, 100);
  return { id, child, adminPort, logs };
}

const call = async (method: string, p: string, body?: unknown) => api.request(p, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

type SourceStatus = { service: string; state: string; polledBy?: string; consecutiveFailures: number; lastError?: string };
const sources = async () => ((await (await call('GET', '/v1/meshes/shop/registry-sources')).json()) as { cloudMap: { sources: SourceStatus[] } }).cloudMap.sources;
const workloads = async () => ((await (await call('GET', '/v1/meshes/shop/workloads')).json()) as { items: { id: string }[] }).items.map((w) => w.id);

/** Polls per source on one replica, from its own Prometheus counter (ok and error added up). */
async function pollsOn(replica: Replica): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${replica.adminPort}/metrics`)).text();
  const polls = new Map<string, number>();
  for (const m of text.matchAll(/^trellis_cloud_map_polls_total\{[^}]*source="shop\.local\/([^"]+)"[^}]*\} (\d+)$/gm)) polls.set(m[1]!, (polls.get(m[1]!) ?? 0) + Number(m[2]));
  return polls;
}

function stop(replica: Replica): Promise<void> {
  return new Promise((resolve) => {
    if (replica.child.exitCode !== null) return resolve();
    replica.child.once('exit', () => resolve());
    replica.child.kill('SIGTERM');
    setTimeout(() => replica.child.kill('SIGKILL'), 10_000).unref();
  });
}

beforeAll(async () => {
  moto = await startMoto();
  const aws = moto.clientConfig;
  const dynamoDb = new DynamoDBClient(aws);
  await ensureTable(dynamoDb, TABLE);
  await new EventBridgeClient(aws).send(new CreateEventBusCommand({ Name: BUS }));
  const store = new DynamoDbConfigStore({ client: dynamoDb, tableName: TABLE });
  await ensureBootstrap(store, { bootstrapKey: KEY });
  // As the Lambda wires it: workloads and Cloud Map source status from what the replicas write to the table.
  api = createApi({
    store,
    bus: new EventBridgeChangeBus({ eventBridge: new EventBridgeClient(aws), sqs: new SQSClient(aws), busName: BUS, replicaId: 'api' }),
    logger: pino({ level: 'silent' }),
    workloads: new DynamoDbWorkloadRegistry({ client: dynamoDb, tableName: TABLE }),
    cloudMapSources: new DynamoDbCloudMapLeases({ client: dynamoDb, tableName: TABLE }),
  });

  cloudMap = new ServiceDiscoveryClient(aws);
  await cloudMap.send(new CreateHttpNamespaceCommand({ Name: 'shop.local' }));
  const namespaceId = (await cloudMap.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === 'shop.local')!.Id!;
  for (const [i, service] of SERVICES.entries()) {
    const id = (await cloudMap.send(new CreateServiceCommand({ Name: service, NamespaceId: namespaceId }))).Service!.Id!;
    serviceIds.set(service, id);
    await cloudMap.send(new RegisterInstanceCommand({ ServiceId: id, InstanceId: `${service}-1`, Attributes: { AWS_INSTANCE_IPV4: `10.0.0.${i + 1}`, AWS_INSTANCE_PORT: '9080' } }));
  }
  const settings = { registrySources: { cloudMap: { sources: SERVICES.map((service) => ({ cloudMapNamespace: 'shop.local', service, namespace: 'shop', portNames: ['http'] })) } } };
  expect((await call('PUT', '/v1/meshes/shop', settings)).status).toBe(201);
  // One after the other: moto does not make two conditional writes at the same instant atomic, as DynamoDB does.
  replicas.push(await startReplica('replica-a'));
  await waitFor(async () => (await sources()).every((s) => s.state === 'ok'), 'replica-a polling every source', 30_000, 200);
  replicas.push(await startReplica('replica-b'));
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map(stop));
  cloudMap?.destroy();
  await moto?.stop();
});

describe('Cloud Map sources on two xds-server replicas (DynamoDB, EventBridge and Cloud Map on moto)', () => {
  it('has each source polled by exactly one replica, and its instances in the shared registry', async () => {
    // replica-b started once replica-a held every source: it must not have polled any.
    await waitFor(async () => (await sources()).every((s) => s.state === 'ok'), 'every source polled', 30_000, 200);
    await waitFor(async () => (await workloads()).length === SERVICES.length, 'every instance registered', 15_000, 200);
    const holders = new Map((await sources()).map((s) => [s.service, s.polledBy]));
    // Several periods on, the same replica holds each source, and only it has polled it.
    await new Promise((resolve) => setTimeout(resolve, 3 * PERIOD_MS));
    const [pollsA, pollsB] = (await Promise.all(replicas.map(pollsOn))) as [Map<string, number>, Map<string, number>];
    for (const service of SERVICES) {
      const holder = holders.get(service);
      expect(['replica-a', 'replica-b']).toContain(holder);
      const [mine, theirs] = holder === 'replica-a' ? [pollsA, pollsB] : [pollsB, pollsA];
      expect(mine.get(service), `${service} polled by ${holder}`).toBeGreaterThanOrEqual(2);
      expect(theirs.get(service), `${service} not polled by the other replica`).toBeUndefined();
    }
    expect(new Map((await sources()).map((s) => [s.service, s.polledBy]))).toEqual(holders);
    console.log(`sources per replica: ${JSON.stringify(Object.fromEntries(['replica-a', 'replica-b'].map((r) => [r, SERVICES.filter((s) => holders.get(s) === r)])))}`);
  });

  it('hands the sources of a stopped replica to the other, without a gap in the registry', async () => {
    const holders = new Map((await sources()).map((s) => [s.service, s.polledBy]));
    // Stop a replica that holds at least one source (the first to poll may hold them all).
    const leaving = replicas.find((r) => [...holders.values()].includes(r.id))!;
    const staying = replicas.find((r) => r !== leaving)!;
    const before = await pollsOn(staying);
    let gap = false;
    const watching = (async () => {
      const until = Date.now() + 4 * PERIOD_MS;
      while (Date.now() < until) {
        if ((await workloads()).length !== SERVICES.length) gap = true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const stoppedAt = performance.now();
    await stop(leaving);
    await waitFor(async () => (await sources()).every((s) => s.polledBy === staying.id && s.state === 'ok'), `${staying.id} polling every source`, 15_000, 100);
    console.log(`takeover after SIGTERM: ${(performance.now() - stoppedAt).toFixed(0)} ms (period ${PERIOD_MS} ms, lease twice that)`);
    await watching;
    expect(gap).toBe(false);
    const after = await pollsOn(staying);
    for (const service of SERVICES) expect(after.get(service) ?? 0, service).toBeGreaterThan(before.get(service) ?? 0);
  });

  it('records a broken source as failing, keeps its last instance until it expires, and sends the failures to CloudWatch', async () => {
    const ratings = serviceIds.get('ratings')!;
    await cloudMap.send(new DeregisterInstanceCommand({ ServiceId: ratings, InstanceId: 'ratings-1' }));
    await cloudMap.send(new DeleteServiceCommand({ Id: ratings }));
    await waitFor(async () => ((await sources()).find((s) => s.service === 'ratings')?.consecutiveFailures ?? 0) >= 2, 'failed polls of ratings recorded', 15_000, 100);
    expect((await sources()).find((s) => s.service === 'ratings')).toMatchObject({ state: 'failing', lastError: 'CloudMapNotFoundError: Cloud Map service ratings does not exist in namespace shop.local' });
    expect((await sources()).filter((s) => s.state === 'ok').map((s) => s.service)).toEqual(['reviews', 'details', 'orders']);
    // Entries live three periods from the last success.
    await waitFor(async () => !(await workloads()).some((id) => id.includes('/ratings/')), 'the ratings entry expired', 15_000, 100);
    const cloudWatch = new CloudWatchClient(moto.clientConfig);
    await waitFor(
      async () => {
        const { Datapoints } = await cloudWatch.send(new GetMetricStatisticsCommand({ Namespace: METRICS_NAMESPACE, MetricName: 'CloudMapPollFailures', StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 60_000), Period: 3600, Statistics: ['Sum'] }));
        return (Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0) >= 2;
      },
      'CloudMapPollFailures in CloudWatch',
      15_000,
      250,
    );
    cloudWatch.destroy();
  });
});
