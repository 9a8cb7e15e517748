// Lambda entry of the tenant API (bundled by the CDK app and scripts/bundle-lambdas.ts).
// Module load only defines things: clients, store and bus are made on the first invocation.
import { pino } from 'pino';
import { ensureBootstrap } from '../bootstrap.ts';
import type { CreateApiOptions } from '../app.ts';
import { createLambdaHandler } from '../lambda.ts';
import { readSecretFromExtension } from './bootstrap-secret.ts';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the CDK app sets it)`);
  return value;
}

/** The AWS adapters and SDK clients, loaded on first use: evaluating them is most of the bundle's import time. */
async function loadAdapters() {
  const [{ DynamoDBClient }, { EventBridgeClient }, { SQSClient }, { DynamoDbConfigStore }, { EventBridgeChangeBus }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-eventbridge'),
    import('@aws-sdk/client-sqs'),
    import('../../core/adapters/aws/dynamodb-store/index.ts'),
    import('../../core/adapters/aws/eventbridge-bus/index.ts'),
  ]);
  return { DynamoDBClient, EventBridgeClient, SQSClient, DynamoDbConfigStore, EventBridgeChangeBus };
}

async function createOptions(): Promise<CreateApiOptions> {
  const { DynamoDBClient, EventBridgeClient, SQSClient, DynamoDbConfigStore, EventBridgeChangeBus } = await loadAdapters();
  const logger = pino({ level: process.env.TRELLIS_LOG_LEVEL ?? 'info', base: { service: 'trellis-api' } });
  const store = new DynamoDbConfigStore({ client: new DynamoDBClient({}), tableName: requiredEnv('TRELLIS_TABLE_NAME') });
  // The API only publishes; the replica id names a subscription it never opens.
  const bus = new EventBridgeChangeBus({ eventBridge: new EventBridgeClient({}), sqs: new SQSClient({}), busName: requiredEnv('TRELLIS_BUS_NAME'), replicaId: 'api' });
  const secretArn = process.env.TRELLIS_BOOTSTRAP_KEY_SECRET_ARN;
  if (secretArn) {
    // Idempotent: adopts the stack's bootstrap key as tenant default's admin key if it is not there yet.
    const bootstrapKey = await readSecretFromExtension(secretArn);
    // Two first cold starts can race to create tenant default; the loser's second pass finds it.
    await ensureBootstrap(store, { bootstrapKey }).catch(() => ensureBootstrap(store, { bootstrapKey }));
  }
  return { store, bus, logger };
}

export const handler = createLambdaHandler(createOptions);
