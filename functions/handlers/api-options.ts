// The API Lambdas' dependencies from the function's environment (the CDK app sets it), made on the
// first invocation: the tenant API's entry and the preview entry (preview/) share them.
import type { DynamoDBClient as DynamoDbClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { ensureBootstrap } from '../bootstrap.ts';
import type { CreateApiOptions } from '../app.ts';
import type { CertificateIssuing } from '../dependencies.ts';
import type { FleetStatusStore } from '../../core/fleet/index.ts';
import type { WorkloadRegistry } from '../../core/registry/index.ts';
import type { GoldenSignalsStore } from '../../core/signals/index.ts';
import { readSecret } from './bootstrap-secret.ts';
import { CERTIFICATE_ISSUE_FAILURES } from '../../core/adapters/aws/cloudwatch-metrics/alarm-metrics.ts';
import { embeddedMetricLine } from '../../core/adapters/aws/cloudwatch-metrics/embedded-metric.ts';
import { observingIssues } from '../../core/ca/observing-issues.ts';
import { parseJoinTokenSecrets } from './join-token-secrets.ts';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the CDK app sets it)`);
  return value;
}

/** The AWS adapters and SDK clients, loaded on first use: evaluating them is most of the bundle's import time. */
async function loadAdapters() {
  const [{ DynamoDBClient }, { EventBridgeClient }, { SQSClient }, { DynamoDbConfigStore }, { EventBridgeChangeBus }, { DynamoDbWorkloadRegistry, DynamoDbCloudMapLeases }, { DynamoDbFleetStatus }, { FleetProxyStatus }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-eventbridge'),
    import('@aws-sdk/client-sqs'),
    import('../../core/adapters/aws/dynamodb-store/index.ts'),
    import('../../core/adapters/aws/eventbridge-bus/index.ts'),
    import('../../core/adapters/aws/dynamodb-registry/index.ts'),
    import('../../core/adapters/aws/dynamodb-fleet/index.ts'),
    import('../../core/fleet/index.ts'),
  ]);
  return { DynamoDBClient, EventBridgeClient, SQSClient, DynamoDbConfigStore, EventBridgeChangeBus, DynamoDbWorkloadRegistry, DynamoDbCloudMapLeases, DynamoDbFleetStatus, FleetProxyStatus };
}

/**
 * The certificate API's parts: ACM PCA, the ledger in the config table, the join-token keys from
 * Secrets Manager. Both variables or neither: without them the certificate routes answer 503.
 */
async function createCertificateIssuing(dynamoDb: DynamoDbClient, tableName: string): Promise<CertificateIssuing | undefined> {
  const caArn = process.env.TRELLIS_CA_ARN;
  const joinTokenSecretArn = process.env.TRELLIS_JOIN_TOKEN_SECRET_ARN;
  if (!caArn && !joinTokenSecretArn) return undefined;
  if (!caArn || !joinTokenSecretArn) throw new Error('TRELLIS_CA_ARN and TRELLIS_JOIN_TOKEN_SECRET_ARN are set together (the CDK app sets both)');
  const [{ ACMPCAClient }, { AcmPcaCertificateAuthority }, { DynamoDbLedger }] = await Promise.all([
    import('@aws-sdk/client-acm-pca'),
    import('../../core/adapters/aws/acm-pca/index.ts'),
    import('../../core/adapters/aws/dynamodb-ledger/index.ts'),
  ]);
  const joinTokenSecrets = parseJoinTokenSecrets(await readSecret(joinTokenSecretArn), joinTokenSecretArn);
  // TRELLIS_CA_TEMPLATE_ARN: only for a CA without API passthrough (or moto); the adapter then requires the SAN in the CSR.
  const ca = new AcmPcaCertificateAuthority({ client: new ACMPCAClient({}), certificateAuthorityArn: caArn, ...(process.env.TRELLIS_CA_TEMPLATE_ARN && { templateArn: process.env.TRELLIS_CA_TEMPLATE_ARN }) });
  const namespace = process.env.TRELLIS_METRICS_NAMESPACE;
  return {
    // Each failed issue is one CertificateIssueFailures data point, as an EMF line CloudWatch Logs extracts (no API call on the request path).
    ca: namespace ? observingIssues(ca, { failed: () => process.stdout.write(`${embeddedMetricLine(namespace, { [CERTIFICATE_ISSUE_FAILURES]: { value: 1, unit: 'Count' } }, new Date())}\n`) }) : ca,
    ledger: new DynamoDbLedger({ client: dynamoDb, tableName }),
    joinTokenSecrets,
  };
}

/** Sidecars' golden-signal reports, summed across every API replica in the signals table. */
async function createSignals(dynamoDb: DynamoDbClient): Promise<GoldenSignalsStore | undefined> {
  const tableName = process.env.TRELLIS_SIGNALS_TABLE_NAME;
  if (!tableName) return undefined;
  const { DynamoDbSignals } = await import('../../core/adapters/aws/dynamodb-signals/index.ts');
  return new DynamoDbSignals({ client: dynamoDb, tableName });
}

/** The API's options plus the live-state stores behind them (the preview entry re-translates from these). */
export interface ApiParts {
  options: CreateApiOptions;
  fleet: FleetStatusStore;
  registry: WorkloadRegistry;
}

export async function createApiParts(): Promise<ApiParts> {
  const { DynamoDBClient, EventBridgeClient, SQSClient, DynamoDbConfigStore, EventBridgeChangeBus, DynamoDbWorkloadRegistry, DynamoDbCloudMapLeases, DynamoDbFleetStatus, FleetProxyStatus } = await loadAdapters();
  const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-api' } });
  const dynamoDb = new DynamoDBClient({});
  const tableName = requiredEnv('TRELLIS_TABLE_NAME');
  const store = new DynamoDbConfigStore({ client: dynamoDb, tableName });
  // The API only publishes; the replica id names a subscription it never opens.
  const bus = new EventBridgeChangeBus({ eventBridge: new EventBridgeClient({}), sqs: new SQSClient({}), busName: requiredEnv('TRELLIS_BUS_NAME'), replicaId: 'api' });
  const secretArn = process.env.TRELLIS_BOOTSTRAP_KEY_SECRET_ARN;
  if (secretArn) {
    // Idempotent: adopts the stack's bootstrap key as tenant default's admin key if it is not there yet.
    const bootstrapKey = await readSecret(secretArn);
    // Two first cold starts can race to create tenant default; the loser's second pass finds it.
    await ensureBootstrap(store, { bootstrapKey }).catch(() => ensureBootstrap(store, { bootstrapKey }));
  }
  const certificates = await createCertificateIssuing(dynamoDb, tableName);
  if (!certificates) logger.warn('TRELLIS_CA_ARN is not set: the join-token and certificate routes answer 503');
  // Registered workloads are written by the xds-server fleet; the API reads them.
  const workloads = new DynamoDbWorkloadRegistry({ client: dynamoDb, tableName });
  // Gateway credentials: without TRELLIS_CREDENTIALS_* their routes answer 503.
  const credentials = (await import('../../core/adapters/aws/dynamodb-credentials/index.ts')).dynamoDbCredentialStoreFromEnv(process.env, dynamoDb);
  // Proxy status and convergence as the xds-server replicas report them (the API holds no streams).
  const fleetStore = new DynamoDbFleetStatus({ client: dynamoDb, tableName });
  const fleet = new FleetProxyStatus({ fleet: fleetStore, store });
  const signals = await createSignals(dynamoDb);
  if (!signals) logger.warn('TRELLIS_SIGNALS_TABLE_NAME is not set: the golden-signal routes answer 501');
  // How the replicas' Cloud Map polls go, as the replica holding each source's lease records it.
  const cloudMapSources = new DynamoDbCloudMapLeases({ client: dynamoDb, tableName });
  return { options: { store, bus, logger, workloads, cloudMapSources, proxies: fleet, convergence: fleet, ...(certificates && { certificates }), ...(credentials && { credentials }), ...(signals && { signals }) }, fleet: fleetStore, registry: workloads };
}
