import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { LambdaEvent } from 'hono/aws-lambda';
import { ACMPCAClient, CreateCertificateAuthorityCommand, GetCertificateAuthorityCsrCommand, GetCertificateCommand, ImportCertificateAuthorityCertificateCommand, IssueCertificateCommand } from '@aws-sdk/client-acm-pca';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../core/adapters/aws/dynamodb-store/index.ts';
import { DynamoDbFleetStatus } from '../../core/adapters/aws/dynamodb-fleet/index.ts';
import { makeCsr } from '../../core/ca/testing/make-csr.ts';
import { startMoto, type RunningMoto } from '../../test/support/moto.ts';
import { makeTestCa, makeTestLeaf } from '../../test/support/tls-certificates.ts';

// The deployed entry, wired as the CDK app wires it: environment variables and AWS APIs (moto).
const KEY = 'bootstrap0key0from0secrets0manager0abcdef0123456789';
const JOIN_TOKEN_SECRET = 'JoinTokenSigningKeyFromSecretsManager0123456789abcdefghijklmnopqr';

/** A root CA in moto, as an operator would set one up: create, self-sign its CSR, import. */
async function createRootCa(client: ACMPCAClient): Promise<string> {
  const created = await client.send(
    new CreateCertificateAuthorityCommand({
      CertificateAuthorityType: 'ROOT',
      UsageMode: 'SHORT_LIVED_CERTIFICATE',
      CertificateAuthorityConfiguration: { KeyAlgorithm: 'RSA_2048', SigningAlgorithm: 'SHA256WITHRSA', Subject: { CommonName: 'Trellis test root' } },
    }),
  );
  const arn = created.CertificateAuthorityArn!;
  const { Csr } = await client.send(new GetCertificateAuthorityCsrCommand({ CertificateAuthorityArn: arn }));
  const issued = await client.send(
    new IssueCertificateCommand({ CertificateAuthorityArn: arn, Csr: new TextEncoder().encode(Csr), SigningAlgorithm: 'SHA256WITHRSA', TemplateArn: 'arn:aws:acm-pca:::template/RootCACertificate/V1', Validity: { Type: 'YEARS', Value: 10 } }),
  );
  const root = await client.send(new GetCertificateCommand({ CertificateAuthorityArn: arn, CertificateArn: issued.CertificateArn }));
  await client.send(new ImportCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: arn, Certificate: new TextEncoder().encode(root.Certificate) }));
  return arn;
}

function httpApiEvent(method: string, rawPath: string, key: string, body?: string): LambdaEvent {
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { host: 'api.example.com', authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: `req-${method}-${rawPath}`,
      routeKey: '$default',
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
    },
    body,
    isBase64Encoded: false,
  };
  // The AWS event type marks body optional where hono's marks it nullable: the same event.
  return event as unknown as LambdaEvent;
}

let moto: RunningMoto;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  moto = await startMoto();
  const secrets = new SecretsManagerClient(moto.clientConfig);
  const secretArn = async (Name: string, SecretString: string) => (await secrets.send(new CreateSecretCommand({ Name, SecretString }))).ARN!;

  const table = 'trellis-lambda-test';
  await ensureTable(new DynamoDBClient(moto.clientConfig), table);
  // The credentials table and the key that wraps their data keys, as infra/constructs/gateway-credentials.ts makes them.
  await ensureTable(new DynamoDBClient(moto.clientConfig), 'trellis-lambda-credentials');
  const credentialsKey = (await new KMSClient(moto.clientConfig).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  const events = new EventBridgeClient(moto.clientConfig);
  await events.send(new CreateEventBusCommand({ Name: 'trellis-config' }));
  sqs = new SQSClient(moto.clientConfig);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'observer' }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await events.send(new PutRuleCommand({ Name: 'observer', EventBusName: 'trellis-config', EventPattern: JSON.stringify({ source: ['trellis.config'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'observer', EventBusName: 'trellis-config', Targets: [{ Id: 'q', Arn: queueArn }] }));

  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    TRELLIS_TABLE_NAME: table,
    TRELLIS_BUS_NAME: 'trellis-config',
    TRELLIS_BOOTSTRAP_KEY_SECRET_ARN: await secretArn('trellis-bootstrap', KEY),
    TRELLIS_CA_ARN: await createRootCa(new ACMPCAClient(moto.clientConfig)),
    TRELLIS_JOIN_TOKEN_SECRET_ARN: await secretArn('trellis-join-token', JOIN_TOKEN_SECRET),
    TRELLIS_CREDENTIALS_TABLE_NAME: 'trellis-lambda-credentials',
    TRELLIS_CREDENTIALS_KEY_ARN: credentialsKey,
    // moto ignores API passthrough SANs; this template copies them from the CSR (the adapter checks them).
    TRELLIS_CA_TEMPLATE_ARN: 'EndEntityCertificate/V1',
    TRELLIS_LOG_LEVEL: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe('functions/handlers/api-handler.ts (the Lambda entry)', () => {
  it('adopts the bootstrap key from Secrets Manager, serves the API on DynamoDB and announces the change on EventBridge', async () => {
    // GIVEN the entry, imported after its configuration is in place
    const { handler } = await import('./api-handler.ts');
    // WHEN a mesh is created with the bootstrap key
    const put = await handler(httpApiEvent('PUT', '/v1/meshes/edge', KEY, '{}'), {} as Context);
    const get = await handler(httpApiEvent('GET', '/v1/meshes/edge', KEY), {} as Context);
    const wrongKey = await handler(httpApiEvent('GET', '/v1/meshes/edge', 'not-the-bootstrap-key-0123456789'), {} as Context);
    // THEN the bootstrap key read from Secrets Manager is an admin key, and no other key is
    expect(put.statusCode).toBe(201);
    expect(get.statusCode).toBe(200);
    expect(JSON.parse(get.body!)).toMatchObject({ name: 'edge' });
    expect(wrongKey.statusCode).toBe(401);
    // AND the change reached the bus
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }));
    const events = (received.Messages ?? []).map((m) => JSON.parse(m.Body!) as { source: string; detail: { mesh?: string } });
    expect(events.some((e) => e.source === 'trellis.config' && e.detail.mesh === 'edge')).toBe(true);
  });

  it('issues join tokens and pays for one certificate per token from ACM PCA, with the ledger in DynamoDB', async () => {
    // GIVEN the entry (already initialised by the previous test) and a mesh
    const { handler } = await import('./api-handler.ts');
    await handler(httpApiEvent('PUT', '/v1/meshes/pay', KEY, '{}'), {} as Context);
    // WHEN a join token is issued and spent twice
    const created = await handler(httpApiEvent('POST', '/v1/meshes/pay/join-tokens', KEY, JSON.stringify({ namespace: 'shop', serviceAccount: 'cart', ttlSeconds: 600 })), {} as Context);
    expect(created.statusCode).toBe(201);
    const { token } = JSON.parse(created.body!) as { token: string };
    const csr = JSON.stringify({ csr: (await makeCsr({ uris: ['spiffe://pay.default.trellis.local/ns/shop/sa/cart'] })).pem });
    const first = await handler(httpApiEvent('POST', '/v1/meshes/pay/certificates', token, csr), {} as Context);
    const second = await handler(httpApiEvent('POST', '/v1/meshes/pay/certificates', token, csr), {} as Context);
    // THEN the first pays for a certificate with the workload's identity; the spent token is refused
    expect(first.statusCode).toBe(201);
    expect(JSON.parse(first.body!)).toMatchObject({ spiffeId: expect.stringMatching(/\/ns\/shop\/sa\/cart$/), certificateChain: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(second.statusCode).toBeGreaterThanOrEqual(400);
    expect(second.statusCode).toBeLessThan(500);
  });

  it('keeps gateway credentials in the DynamoDB/KMS store and shows their metadata, never the key', async () => {
    // GIVEN the entry and a mesh
    const { handler } = await import('./api-handler.ts');
    await handler(httpApiEvent('PUT', '/v1/meshes/gw', KEY, '{}'), {} as Context);
    const ca = await makeTestCa('gateway-ca');
    const leaf = await makeTestLeaf(ca, { dns: ['shop.example.com'], commonName: 'shop.example.com' });
    // WHEN a credential is uploaded and read back
    const put = await handler(httpApiEvent('PUT', '/v1/meshes/gw/credentials/ingress/shop', KEY, JSON.stringify({ certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem })), {} as Context);
    const get = await handler(httpApiEvent('GET', '/v1/meshes/gw/credentials/ingress/shop', KEY), {} as Context);
    // THEN it is stored (not 503) and only its metadata comes back
    expect(put.statusCode).toBe(201);
    expect(get.statusCode).toBe(200);
    expect(JSON.parse(get.body!)).toMatchObject({ namespace: 'ingress', name: 'shop', subjectAltNames: ['DNS:shop.example.com'] });
    expect(get.body).not.toContain('PRIVATE KEY');
  });

  it('shows the proxies and convergence the xds-server replicas wrote to the table, never an empty list for want of a source', async () => {
    // GIVEN the entry, a mesh with one revision, and a replica's record of a proxy that acked it
    const { handler } = await import('./api-handler.ts');
    await handler(httpApiEvent('PUT', '/v1/meshes/fleet', KEY, '{}'), {} as Context);
    const applied = await handler(httpApiEvent('POST', '/v1/meshes/fleet/apply', KEY, JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'cart', namespace: 'shop' }, spec: { host: 'cart' } })), {} as Context);
    const { revision } = JSON.parse(applied.body!) as { revision: number };
    const replica = new DynamoDbFleetStatus({ client: new DynamoDBClient(moto.clientConfig), tableName: process.env.TRELLIS_TABLE_NAME! });
    const now = new Date();
    await replica.put([
      { proxyId: 'web-1', tenantId: 'default', mesh: 'fleet', namespace: 'shop', protocol: 'delta', connectedAt: now.toISOString(), revision, types: { cds: { sent: 'c1', acked: 'c1', state: 'SYNCED' } }, replica: 'replica-1', updatedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString() },
    ]);
    // WHEN the API lists the proxies and the revisions
    const proxies = await handler(httpApiEvent('GET', '/v1/meshes/fleet/proxies', KEY), {} as Context);
    const revisions = await handler(httpApiEvent('GET', '/v1/meshes/fleet/revisions', KEY), {} as Context);
    // THEN it reads the fleet's records, not an empty list
    expect(applied.statusCode).toBe(200);
    expect(proxies.statusCode).toBe(200);
    expect(JSON.parse(proxies.body!)).toEqual({ items: [{ proxyId: 'web-1', namespace: 'shop', protocol: 'delta', replica: 'replica-1', connectedAt: now.toISOString(), revision, types: { cds: { sent: 'c1', acked: 'c1', state: 'SYNCED' } } }] });
    const head = (JSON.parse(revisions.body!) as { items: { revision: number; convergence?: unknown }[] }).items.find((r) => r.revision === revision);
    expect(head?.convergence).toMatchObject({ proxies: 1, acked: 1 });
  });
});
