// The xds-server as the ECS service runs it: config in DynamoDB, changes from EventBridge through
// this replica's own subscription, periodic reconciliation, and an admin port for health checks.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { dynamoDbCredentialStoreFromEnv } from '../core/adapters/aws/dynamodb-credentials/index.ts';
import { DynamoDbConfigStore } from '../core/adapters/aws/dynamodb-store/index.ts';
import { DynamoDbCloudMapLeases, DynamoDbWorkloadRegistry } from '../core/adapters/aws/dynamodb-registry/index.ts';
import { DynamoDbFleetStatus } from '../core/adapters/aws/dynamodb-fleet/index.ts';
import { EventBridgeChangeBus, sweepStaleSubscriptions } from '../core/adapters/aws/eventbridge-bus/index.ts';
import { ALARM_METRICS, CERTIFICATE_ISSUE_FAILURES, CLOUD_MAP_POLL_FAILURES, CloudWatchMetrics, CONVERGENCE_SECONDS, NACK_COUNT } from '../core/adapters/aws/cloudwatch-metrics/index.ts';
import { startAdminServer } from './admin-server.ts';
import { awsMtlsFromEnv } from './aws-mtls.ts';
import { startXds } from './start-xds.ts';
import { joinHostPort } from './server/index.ts';
import { CloudMapMetrics, createMetricsRegistry, XdsMetrics } from './metrics/index.ts';
import { quietAwsSdkNodeVersionWarning } from '../core/adapters/aws/sdk-node-warning.ts';
import { CloudMapListers, cloudMapClientOptionsFromEnv } from '../core/adapters/aws/cloud-map/index.ts';

quietAwsSdkNodeVersionWarning();

const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-xds' } });

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got ${raw})`);
  return n;
}

const HEARTBEAT_MS = 60_000;

async function main(): Promise<void> {
  // A replica id unique per task: queue and rule names derive from it (at most 52 characters).
  const replicaId = (process.env.TRELLIS_REPLICA_ID ?? `${os.hostname()}-${randomUUID().slice(0, 8)}`).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 52);
  const busName = env('TRELLIS_BUS_NAME');
  const eventBridge = new EventBridgeClient({});
  const sqs = new SQSClient({});
  const dynamoDb = new DynamoDBClient({});
  const tableName = env('TRELLIS_TABLE_NAME');
  // The figures the deployment's CloudWatch alarms read (NACKs, convergence, certificate failures), when the stack names a namespace.
  const metricsNamespace = process.env.TRELLIS_METRICS_NAMESPACE;
  const alarmMetrics = metricsNamespace
    ? new CloudWatchMetrics({ client: new CloudWatchClient({}), namespace: metricsNamespace, ...ALARM_METRICS, intervalMs: intEnv('TRELLIS_METRICS_INTERVAL_MS', 60_000), logger })
    : undefined;
  alarmMetrics?.start();
  const mtls = awsMtlsFromEnv(process.env, dynamoDb, tableName, alarmMetrics && (() => alarmMetrics.count(CERTIFICATE_ISSUE_FAILURES)));
  const gatewayCredentials = dynamoDbCredentialStoreFromEnv(process.env, dynamoDb);
  const store = new DynamoDbConfigStore({ client: dynamoDb, tableName, onPurgeFailure: (err: unknown) => logger.warn({ err }, 'mesh purge incomplete; resumed later') });
  const bus = new EventBridgeChangeBus({
    eventBridge,
    sqs,
    busName,
    replicaId,
    heartbeatIntervalMs: HEARTBEAT_MS,
    ...(process.env.TRELLIS_DEAD_LETTER_QUEUE_ARN ? { deadLetterQueueArn: process.env.TRELLIS_DEAD_LETTER_QUEUE_ARN } : {}),
    ...(process.env.TRELLIS_SQS_WAIT_SECONDS ? { waitTimeSeconds: intEnv('TRELLIS_SQS_WAIT_SECONDS', 20) } : {}),
    logger,
  });

  // What crashed replicas left behind (their queue and rule) is removed before joining.
  const sweep = async () => {
    try {
      const swept = await sweepStaleSubscriptions({ eventBridge, sqs, busName, olderThanMs: 5 * HEARTBEAT_MS, logger });
      if (swept.removed.length) logger.info({ removed: swept.removed }, 'removed subscriptions of stopped replicas');
      await store.resumePurges();
    } catch (err) {
      logger.warn({ err }, 'housekeeping failed; retried later');
    }
  };
  await sweep();
  const housekeeping = setInterval(() => void sweep(), 10 * 60_000);
  housekeeping.unref();

  let ready = false;
  // All interfaces in a task; TRELLIS_HOST=127.0.0.1 keeps a replica on loopback (npm run start:hosted).
  const host = process.env.TRELLIS_HOST ?? '0.0.0.0';
  const metrics = createMetricsRegistry();
  const admin = await startAdminServer({ host, port: intEnv('TRELLIS_ADMIN_PORT', 9090), ready: () => ready, metrics });
  const cloudMapListers = new CloudMapListers(cloudMapClientOptionsFromEnv(process.env));
  const xds = await startXds({
    metrics: new XdsMetrics(metrics, alarmMetrics && { nacked: () => alarmMetrics.count(NACK_COUNT), converged: (seconds) => alarmMetrics.observe(CONVERGENCE_SECONDS, seconds) }),
    store,
    bus,
    logger,
    address: joinHostPort(host, intEnv('TRELLIS_XDS_PORT', 18000)),
    replicaId,
    // Connected workloads, shared by the fleet: each replica refreshes what its streams hold.
    registry: new DynamoDbWorkloadRegistry({ client: dynamoDb, tableName }),
    // Proxy status for the API, which holds no streams: what `GET /proxies` and `apply --wait` read.
    fleetStatus: new DynamoDbFleetStatus({ client: dynamoDb, tableName }),
    reconcileIntervalMs: intEnv('TRELLIS_RECONCILE_INTERVAL_MS', 30_000),
    ...(mtls && { mtls }),
    // Gateways' uploaded TLS credentials, served over SDS (read-only here).
    ...(gatewayCredentials && { gatewayCredentials }),
    // Cloud Map sources meshes name: read with the tenant's role when the mesh gives one (registrySources.cloudMap.roleArn),
    // each by the one replica holding its lease in the table; failed polls counted for the deployment's alarm.
    cloudMap: {
      listerFor: (access) => cloudMapListers.listerFor(access),
      leases: new DynamoDbCloudMapLeases({ client: dynamoDb, tableName }),
      observer: new CloudMapMetrics(metrics, alarmMetrics ? { failed: () => alarmMetrics.count(CLOUD_MAP_POLL_FAILURES) } : {}),
      ...(process.env.TRELLIS_CLOUD_MAP_PERIOD_MS ? { periodMs: intEnv('TRELLIS_CLOUD_MAP_PERIOD_MS', 30_000) } : {}),
    },
  });
  ready = true;
  logger.info({ replicaId, xdsPort: xds.port, adminPort: admin.port, mtls: mtls !== undefined }, 'xds-server ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ready = false;
    logger.info({ signal }, 'draining');
    clearInterval(housekeeping);
    try {
      await xds.stop();
      await alarmMetrics?.stop();
      await store.close();
      await admin.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'xds-server failed to start');
  process.exit(1);
});
