import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Tests may use the shared test tools and contract suite; lint keeps production code in core/ away from test/.
import { credentialStoreContract } from '../../../../test/contracts/credential-store-contract.ts';
import { startMoto, type RunningMoto } from '../../../../test/support/moto.ts';
import { makeTestCa, makeTestLeaf } from '../../../../test/support/tls-certificates.ts';
import { validateCredential } from '../../../credentials/validate-credential.ts';
import type { StoredCredential } from '../../../credentials/credential-store.ts';
import { ensureTable } from '../dynamodb-store/table.ts';
import { DynamoDbCredentialStore } from './dynamodb-credential-store.ts';
import { CredentialKeyError } from './envelope.ts';
import { dynamoDbCredentialStoreFromEnv } from './from-env.ts';

const TABLE = 'trellis-credentials';
let moto: RunningMoto;
let keyId: string;
const clients: Array<{ destroy(): void }> = [];

function dynamoDb(): DynamoDBClient {
  const client = new DynamoDBClient({ ...moto.clientConfig, maxAttempts: 1 });
  clients.push(client);
  return client;
}

/** A KMS client on moto that counts the commands it sends, by name. */
function kms(calls: string[] = []): KMSClient {
  const client = new KMSClient({ ...moto.clientConfig, maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(context.commandName ?? '');
      return next(args);
    },
    { step: 'initialize', name: 'countKmsCalls' },
  );
  clients.push(client);
  return client;
}

const store = (options: { kmsCalls?: string[]; keyId?: string } = {}) => new DynamoDbCredentialStore({ dynamoDb: dynamoDb(), kms: kms(options.kmsCalls), tableName: TABLE, keyId: options.keyId ?? keyId });

beforeAll(async () => {
  moto = await startMoto();
  await ensureTable(dynamoDb(), TABLE);
  keyId = (await kms().send(new CreateKeyCommand({ Description: 'credential data keys' }))).KeyMetadata!.Arn!;
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await moto?.stop();
});

credentialStoreContract('dynamodb + kms (moto)', async () => ({ store: store(), reopen: async () => store(), cleanup: async () => {} }));

let seq = 0;
const tenant = () => `kms-${process.pid}-${Date.now().toString(36)}-${seq++}`;

async function credential(namespace: string, name: string): Promise<StoredCredential> {
  const ca = await makeTestCa('ca');
  const leaf = await makeTestLeaf(ca, { dns: [`${name}.example.com`], commonName: name });
  const checked = validateCredential(namespace, name, { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem, caCertificates: ca.certificatePem }, new Date());
  if (!checked.ok) throw new Error('invalid test credential');
  return checked.value;
}

describe('DynamoDbCredentialStore on moto', () => {
  it('stores the private key only sealed: the item holds no PEM key, and a KMS-wrapped data key', async () => {
    const t = tenant();
    const a = await credential('ingress', 'a');
    await store().put(t, 'm1', a);
    const out = await dynamoDb().send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: `CRED#${t}#m1` }, SK: { S: 'ingress#a' } }, ConsistentRead: true }));
    const raw = JSON.stringify(out.Item, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(raw).not.toContain('PRIVATE KEY');
    expect(raw).not.toContain(a.material.privateKey.split('\n')[1]);
    expect(out.Item?.dataKey?.B?.length).toBeGreaterThan(0);
    expect(out.Item?.certificateChain?.S).toBe(a.material.certificateChain);
  });

  it('binds an item to its place: a copy under another mesh does not open', async () => {
    const t = tenant();
    await store().put(t, 'm1', await credential('ingress', 'a'));
    const out = await dynamoDb().send(new GetItemCommand({ TableName: TABLE, Key: { PK: { S: `CRED#${t}#m1` }, SK: { S: 'ingress#a' } }, ConsistentRead: true }));
    await dynamoDb().send(new PutItemCommand({ TableName: TABLE, Item: { ...out.Item!, PK: { S: `CRED#${t}#m2` } } }));
    await expect(store().materials(t, 'm2')).rejects.toThrow(CredentialKeyError);
    await expect(store().materials(t, 'm2')).rejects.toThrow(/KMS Decrypt of the data key of credential ingress\/a of mesh .*\/m2 failed/);
  });

  it('calls KMS Decrypt only for credentials that changed since this store last opened them', async () => {
    const t = tenant();
    const calls: string[] = [];
    const reader = store({ kmsCalls: calls });
    const writer = store();
    await writer.put(t, 'm1', await credential('ingress', 'a'));
    await writer.put(t, 'm1', await credential('ingress', 'b'));
    await reader.materials(t, 'm1');
    expect(calls).toEqual(['DecryptCommand', 'DecryptCommand']);
    calls.length = 0;
    await reader.materials(t, 'm1');
    expect(calls).toEqual([]);
    const replaced = await credential('ingress', 'b');
    await writer.put(t, 'm1', replaced);
    expect((await reader.materials(t, 'm1')).get('ingress/b')?.privateKey).toBe(replaced.material.privateKey);
    expect(calls).toEqual(['DecryptCommand']);
  });

  it('never calls KMS Decrypt to show metadata (the API holds no Decrypt permission)', async () => {
    const t = tenant();
    const calls: string[] = [];
    const api = store({ kmsCalls: calls });
    await api.put(t, 'm1', await credential('ingress', 'a'));
    await api.get(t, 'm1', 'ingress', 'a');
    await api.list(t, 'm1');
    await api.delete(t, 'm1', 'ingress', 'a');
    await api.deleteMesh(t, 'm1');
    expect(calls).toEqual(['GenerateDataKeyCommand']);
  });

  it('fails with a CredentialKeyError naming the credential when the KMS key cannot be used, and stores nothing', async () => {
    const t = tenant();
    const a = await credential('ingress', 'a');
    const error = await store({ keyId: 'alias/trellis-no-such-key' }).put(t, 'm1', a).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialKeyError);
    expect((error as Error).message).toMatch(/KMS GenerateDataKey for credential ingress\/a of mesh .*\/m1 failed/);
    expect((error as Error).message).not.toContain('PRIVATE KEY');
    expect(await store().list(t, 'm1')).toEqual([]);
  });
});

describe('dynamoDbCredentialStoreFromEnv', () => {
  it('makes no store without the variables, a store with both, and refuses one alone', () => {
    const client = dynamoDb();
    expect(dynamoDbCredentialStoreFromEnv({}, client)).toBeUndefined();
    expect(dynamoDbCredentialStoreFromEnv({ TRELLIS_CREDENTIALS_TABLE_NAME: TABLE, TRELLIS_CREDENTIALS_KEY_ARN: keyId }, client)).toBeInstanceOf(DynamoDbCredentialStore);
    expect(() => dynamoDbCredentialStoreFromEnv({ TRELLIS_CREDENTIALS_TABLE_NAME: TABLE }, client)).toThrow(/TRELLIS_CREDENTIALS_KEY_ARN are set together/);
    expect(() => dynamoDbCredentialStoreFromEnv({ TRELLIS_CREDENTIALS_KEY_ARN: keyId }, client)).toThrow(/set together/);
  });
});
