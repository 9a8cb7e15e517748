import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDbCredentialStore } from './dynamodb-credential-store.ts';

/** The variables the CDK app sets on the API Lambda and the xds-server tasks (infra/runtime-environment.ts). */
export const CREDENTIALS_ENV = { tableName: 'TRELLIS_CREDENTIALS_TABLE_NAME', keyArn: 'TRELLIS_CREDENTIALS_KEY_ARN' } as const;

/** The store the deployment configured: both variables or neither (then there is none, and the credential routes answer 503). */
export function dynamoDbCredentialStoreFromEnv(env: NodeJS.ProcessEnv, dynamoDb: DynamoDBClient): DynamoDbCredentialStore | undefined {
  const tableName = env[CREDENTIALS_ENV.tableName];
  const keyId = env[CREDENTIALS_ENV.keyArn];
  if (!tableName && !keyId) return undefined;
  if (!tableName || !keyId) throw new Error(`${CREDENTIALS_ENV.tableName} and ${CREDENTIALS_ENV.keyArn} are set together (the CDK app sets both)`);
  return new DynamoDbCredentialStore({ dynamoDb, kms: new KMSClient({}), tableName, keyId });
}
