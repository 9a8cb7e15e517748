import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ListQueuesCommand, PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbConfigStore, ensureTable } from '../../core/adapters/aws/dynamodb-store/index.ts';
import { DynamoDbFleetStatus } from '../../core/adapters/aws/dynamodb-fleet/index.ts';
import { FleetProxyStatus } from '../../core/fleet/index.ts';
import { EventBridgeChangeBus } from '../../core/adapters/aws/eventbridge-bus/index.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import { createApi } from '../../functions/app.ts';
import { ensureBootstrap } from '../../functions/bootstrap.ts';
import { startMoto, type RunningMoto } from '../support/moto.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { ROOT } from '../support/tools.ts';

const KEY = 'aws-e2e-admin-key-0123456789abcdef';

type ProxyView = { proxyId: string; workload?: string; revision?: number; types: Record<string, { state: string }> };
const TABLE = 'trellis';
const BUS = 'trellis-config';
const HOST = 'web.shop.svc.cluster.local';

interface Replica {
  child: ChildProcess;
  xdsPort: number;
  adminPort: number;
  logs: string[];
}

let moto: RunningMoto;
let store: DynamoDbConfigStore;
let api: ReturnType<typeof createApi>;
let v1: Upstream;
let v2: Upstream;
const replicas: Replica[] = [];
const sidecars: TestSidecar[] = [];

async function startReplica(id: string): Promise<Replica> {
  const xdsPort = await freePort();
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
      TRELLIS_XDS_PORT: String(xdsPort),
      TRELLIS_ADMIN_PORT: String(adminPort),
      TRELLIS_RECONCILE_INTERVAL_MS: '2000',
      TRELLIS_SQS_WAIT_SECONDS: '1',
      TRELLIS_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => logs.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => logs.push(b.toString()));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).ok, `replica ${id} health (${logs.join('')})`, 30_000, 100);
  return { child, xdsPort, adminPort, logs };
}

async function call(method: string, p: string, body?: unknown): Promise<Response> {
  return api.request(p, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

const vs = (w1: number): IstioResource => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { hosts: [HOST], http: [{ route: [{ destination: { host: HOST, subset: 'v1' }, weight: w1 }, { destination: { host: HOST, subset: 'v2' }, weight: 100 - w1 }] }] },
});

async function servedBy(s: TestSidecar): Promise<string | undefined> {
  return (await get(s.outbound, { host: HOST }).catch(() => undefined))?.servedBy;
}

beforeAll(async () => {
  moto = await startMoto();
  const aws = moto.clientConfig;
  await ensureTable(new DynamoDBClient(aws), TABLE);
  await new EventBridgeClient(aws).send(new CreateEventBusCommand({ Name: BUS }));
  store = new DynamoDbConfigStore({ client: new DynamoDBClient(aws), tableName: TABLE });
  await ensureBootstrap(store, { bootstrapKey: KEY });
  const bus = new EventBridgeChangeBus({ eventBridge: new EventBridgeClient(aws), sqs: new SQSClient(aws), busName: BUS, replicaId: 'api' });
  // As the Lambda wires it: proxy status and convergence from what the replicas write to the table.
  const fleet = new FleetProxyStatus({ fleet: new DynamoDbFleetStatus({ client: new DynamoDBClient(aws), tableName: TABLE }), store });
  api = createApi({ store, bus, logger: pino({ level: 'silent' }), proxies: fleet, convergence: fleet });
  [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);

  expect((await call('PUT', '/v1/meshes/web', {})).status).toBe(201);
  const applied = await call('POST', '/v1/meshes/web/apply', [
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'web', namespace: 'shop' }, spec: { hosts: [HOST], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: 'web' } } } },
    { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'web-v1', namespace: 'shop' }, spec: { address: '127.0.0.1', ports: { http: v1.port }, labels: { app: 'web', version: 'v1' } } },
    { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'web-v2', namespace: 'shop' }, spec: { address: '127.0.0.1', ports: { http: v2.port }, labels: { app: 'web', version: 'v2' } } },
    { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'web', namespace: 'shop' }, spec: { host: HOST, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } },
    vs(100),
  ]);
  expect(applied.status, await applied.clone().text()).toBe(200);

  replicas.push(...(await Promise.all([startReplica('replica-a'), startReplica('replica-b')])));
  for (const [i, r] of replicas.entries()) {
    const s = await startSidecar({ xdsPort: r.xdsPort, mesh: 'web', namespace: 'shop', workload: `client-${i}` });
    sidecars.push(s);
    await waitFor(async () => (await servedBy(s)) === 'v1', `sidecar on replica ${i} to route`, 20_000, 100);
  }
}, 120_000);

afterAll(async () => {
  for (const s of sidecars) await s.envoy.stop();
  await Promise.all(
    replicas.map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.child.exitCode !== null) return resolve();
          r.child.once('exit', () => resolve());
          r.child.kill('SIGTERM');
          setTimeout(() => r.child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
  await Promise.all([v1, v2].map((u) => u?.close()));
  await moto?.stop();
});

describe('two xds-server replicas on DynamoDB and EventBridge (moto)', () => {
  it('delivers a change made through the API to the proxies of both replicas', async () => {
    const started = performance.now();
    expect((await call('PUT', '/v1/meshes/web/resources/virtualservices/shop/web', vs(0))).status).toBe(200);
    await Promise.all(sidecars.map((s, i) => waitFor(async () => (await servedBy(s)) === 'v2', `replica ${i} to apply the change`, 15_000, 20)));
    console.log(`API change → both replicas' proxies routing the new way: ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('converges by reconciliation when the change event is lost', async () => {
    const sqs = new SQSClient(moto.clientConfig);
    const queues = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'trellis-xds-' }))).QueueUrls ?? [];
    expect(queues.length).toBe(2);
    // The commit goes to the store without an event, and anything queued is purged: only reconciliation is left.
    const started = performance.now();
    await store.commit({ tenantId: 'default', mesh: 'web', author: 'test', changes: [{ op: 'put', resource: vs(100) }] });
    await Promise.all(queues.map((QueueUrl) => sqs.send(new PurgeQueueCommand({ QueueUrl }))));
    await Promise.all(sidecars.map((s, i) => waitFor(async () => (await servedBy(s)) === 'v1', `replica ${i} to reconcile`, 20_000, 50)));
    console.log(`lost event → both replicas converged by reconciliation: ${(performance.now() - started).toFixed(0)} ms (interval 2 s)`);
  });

  it("shows every replica's proxies through the API, synced at the head revision, and the revision's convergence", async () => {
    const head = ((await (await call('GET', '/v1/meshes/web')).json()) as { revision: number }).revision;
    const synced = (p: ProxyView) => p.revision === head && Object.values(p.types).every((t) => t.state === 'SYNCED');
    const started = performance.now();
    let proxies: ProxyView[] = [];
    await waitFor(
      async () => {
        proxies = ((await (await call('GET', '/v1/meshes/web/proxies')).json()) as { items: ProxyView[] }).items;
        return proxies.length === 2 && proxies.every(synced);
      },
      'both sidecars reported synced',
      15_000,
      100,
    );
    console.log(`both replicas' sidecars listed synced by the API: ${(performance.now() - started).toFixed(0)} ms`);
    const revisions = (await (await call('GET', '/v1/meshes/web/revisions')).json()) as { items: { revision: number; convergence?: { proxies: number; acked: number; seconds?: number } }[] };

    expect(proxies.map((p) => p.workload).sort()).toEqual(['client-0', 'client-1']);
    expect(revisions.items.find((r) => r.revision === head)?.convergence).toMatchObject({ proxies: 2, acked: 2 });
  });

  it('removes its subscription when a replica stops', async () => {
    const sqs = new SQSClient(moto.clientConfig);
    const [first] = replicas;
    // The sidecar of the stopped replica loses its stream on purpose.
    sidecars[0]!.envoy.expectTrouble({ connectionLoss: true });
    await new Promise<void>((resolve) => {
      first!.child.once('exit', () => resolve());
      first!.child.kill('SIGTERM');
    });
    const queues = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'trellis-xds-' }))).QueueUrls ?? [];
    expect(queues.map((q) => q.split('/').pop())).toEqual(['trellis-xds-replica-b']);
  });

  it("drops the stopped replica's proxy from the API's list: its last act removes the records it held", async () => {
    const { items } = (await (await call('GET', '/v1/meshes/web/proxies')).json()) as { items: ProxyView[] };

    expect(items.map((p) => p.workload)).toEqual(['client-1']);
  });
});
