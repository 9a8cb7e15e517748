import { randomInt } from 'node:crypto';
import {
  ACMPCAClient,
  CreateCertificateAuthorityCommand,
  GetCertificateAuthorityCsrCommand,
  GetCertificateCommand,
  ImportCertificateAuthorityCertificateCommand,
  IssueCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createTableInput } from '../../core/adapters/aws/dynamodb-store/index.ts';

/** SDK v3 client options for the emulated account. */
export interface AwsClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** What `cdk deploy` creates and the runtime reads from its environment. */
export interface HostedResources {
  tableName: string;
  credentialsTableName: string;
  signalsTableName: string;
  busName: string;
  deadLetterQueueArn: string;
  caArn: string;
  bootstrapKeySecretArn: string;
  joinTokenSecretArn: string;
  credentialsKeyArn: string;
}

const STACK = 'trellis-hosted';
// Mirrors TTL_ATTRIBUTE in infra/constructs/storage.ts (importing it would load the CDK).
const TTL_ATTRIBUTE = 'expiresAt';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** What Secrets Manager's generateSecretString makes for the stack: letters and digits only. */
function alphanumeric(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
}

async function createTable(client: DynamoDBClient, tableName: string, ttl: boolean): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  if (ttl) await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
}

/**
 * An ACM PCA root as the CDK app's Pki construct makes one: created, its CSR signed with the
 * RootCACertificate template, the result imported (which activates it). RSA, since moto's CA keys are RSA.
 */
async function createRootCa(client: ACMPCAClient): Promise<string> {
  const created = await client.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: 'ROOT',
      UsageMode: 'SHORT_LIVED_CERTIFICATE',
      CertificateAuthorityConfiguration: { KeyAlgorithm: 'RSA_2048', SigningAlgorithm: 'SHA256WITHRSA', Subject: { CommonName: 'Trellis Root CA', Organization: 'Trellis' } },
    }),
  );
  const arn = created.CertificateAuthorityArn!;
  const { Csr } = await client.send(new GetCertificateAuthorityCsrCommand({ CertificateAuthorityArn: arn }));
  const issued = await client.send(
    new IssueCertificateCommand({
      CertificateAuthorityArn: arn,
      Csr: new TextEncoder().encode(Csr),
      SigningAlgorithm: 'SHA256WITHRSA',
      TemplateArn: 'arn:aws:acm-pca:::template/RootCACertificate/V1',
      Validity: { Type: 'YEARS', Value: 10 },
    }),
  );
  const root = await client.send(new GetCertificateCommand({ CertificateAuthorityArn: arn, CertificateArn: issued.CertificateArn }));
  await client.send(new ImportCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: arn, Certificate: new TextEncoder().encode(root.Certificate) }));
  return arn;
}

/** Creates the data and service stacks' resources in an empty account (moto): tables, bus, dead-letter queue, CA, secrets, KMS key. */
export async function createHostedResources(aws: AwsClientConfig, bootstrapKey: string): Promise<HostedResources> {
  const dynamoDb = new DynamoDBClient(aws);
  const sqs = new SQSClient(aws);
  const secrets = new SecretsManagerClient(aws);
  const tableName = `${STACK}-table`;
  const credentialsTableName = `${STACK}-credentials`;
  const signalsTableName = `${STACK}-signals`;
  const busName = `${STACK}-config`;
  const secret = async (Name: string, SecretString: string) => (await secrets.send(new CreateSecretCommand({ Name, SecretString }))).ARN!;
  try {
    await Promise.all([createTable(dynamoDb, tableName, true), createTable(dynamoDb, credentialsTableName, false), createTable(dynamoDb, signalsTableName, true)]);
    await new EventBridgeClient(aws).send(new CreateEventBusCommand({ Name: busName }));
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${STACK}-dead-letters`, Attributes: { MessageRetentionPeriod: String(14 * 86_400) } }))).QueueUrl!;
    const deadLetterQueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return {
      tableName,
      credentialsTableName,
      signalsTableName,
      busName,
      deadLetterQueueArn,
      caArn: await createRootCa(new ACMPCAClient(aws)),
      bootstrapKeySecretArn: await secret(`${STACK}-bootstrap-key`, bootstrapKey),
      joinTokenSecretArn: await secret(`${STACK}-join-token-key`, alphanumeric(64)),
      credentialsKeyArn: (await new KMSClient(aws).send(new CreateKeyCommand({ Description: 'Wraps the data keys that seal Trellis gateway credential private keys' }))).KeyMetadata!.Arn!,
    };
  } finally {
    dynamoDb.destroy();
    sqs.destroy();
    secrets.destroy();
  }
}
