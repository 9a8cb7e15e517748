/*
 * Gateway credentials in AWS: one DynamoDB item per credential in a table of their own, the
 * private key sealed with AES-256-GCM under a data key from KMS (GenerateDataKey on write,
 * Decrypt on read, the credential's place as encryption context).
 *
 * Why not one Secrets Manager secret per credential:
 * - Cost: a secret is $0.40 a month each plus $0.05 per 10,000 reads. Here the table is
 *   on-demand (cents per GB) and the one KMS key is $1 a month whatever the count.
 * - Read rate: every xds-server replica reads every credential of each mesh with Gateways on
 *   each reload (every change and every reconciliation, 30 s by default). With secrets that is
 *   one GetSecretValue per credential per reload, billed and throttled per call. Here it is one
 *   strongly consistent Query per mesh, and KMS Decrypt only for items that changed since this
 *   replica last opened them (the sealed bytes identify a version), so a quiet fleet makes no
 *   KMS calls at all.
 * - Size: a secret holds at most 64 KB; a credential may hold 64 KB each of chain, key and CA
 *   bundle (CREDENTIAL_LIMITS). An item holds 400 KB. KMS Encrypt alone takes 4 KB, less than an
 *   RSA 8192 PEM key: hence the envelope.
 * - Rotation and deletion: Secrets Manager's rotation runs a Lambda that makes new values; a
 *   tenant's uploaded key cannot be remade, the tenant replaces it with PUT. A deleted secret's
 *   name stays reserved for its 7-30 day recovery window, so delete-then-upload of the same
 *   name would fail; an item is simply gone. The KMS key rotates its material yearly and still
 *   opens what older material sealed; every write draws a fresh data key.
 * - Least privilege: the API may GenerateDataKey but not Decrypt, so it can store keys it cannot
 *   read back; the fleet may Decrypt and only read the table.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { requireCredentialPlace } from '../../../credentials/credential-place.ts';
import type { CredentialStore, StoredCredential, TlsCredentialMaterial, TlsCredentialMetadata } from '../../../credentials/credential-store.ts';
import { attributeExists } from '../dynamodb-store/expressions.ts';
import type { ItemKey } from '../dynamodb-store/keys.ts';
import { sdkCall } from '../dynamodb-store/sdk-errors.ts';
import { TableClient, type Item } from '../dynamodb-store/table-client.ts';
import { KmsEnvelope, versionOf, type SealedKey } from './envelope.ts';
import { credentialKey, encryptionContext, meshPartition } from './keys.ts';

export interface DynamoDbCredentialStoreOptions {
  /** Owned by the caller. */
  dynamoDb: DynamoDBClient;
  /** Owned by the caller. */
  kms: KMSClient;
  /** The credentials table: string keys PK/SK (see keys.ts). */
  tableName: string;
  /** The KMS key (id, ARN or alias) that wraps the data keys. */
  keyId: string;
}

interface CredentialItem extends Item, SealedKey {
  metadata: string;
  certificateChain: string;
  caCertificates?: string;
}

/** KMS calls in flight at once when many credentials changed together (a replica's first load). */
const DECRYPT_CONCURRENCY = 8;

const label = (namespace: string, name: string, tenantId: string, mesh: string) => `credential ${namespace}/${name} of mesh ${tenantId}/${mesh}`;

/** The CredentialStore of the AWS deployment: DynamoDB items, private keys sealed under KMS data keys. */
export class DynamoDbCredentialStore implements CredentialStore {
  readonly #table: TableClient;
  readonly #doc: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #envelope: KmsEnvelope;
  /** Per mesh partition, the keys opened by the last `materials`, by sort key with the version they opened. */
  readonly #opened = new Map<string, Map<string, { version: string; privateKey: string }>>();

  constructor({ dynamoDb, kms, tableName, keyId }: DynamoDbCredentialStoreOptions) {
    this.#table = new TableClient(dynamoDb, tableName);
    this.#doc = DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
    this.#tableName = tableName;
    this.#envelope = new KmsEnvelope(kms, keyId);
  }

  async put(tenantId: string, mesh: string, credential: StoredCredential): Promise<{ created: boolean }> {
    const { namespace, name } = credential.metadata;
    requireCredentialPlace({ tenantId, mesh, namespace, name });
    const sealed = await this.#envelope.seal(encryptionContext(tenantId, mesh, namespace, name), credential.material.privateKey, label(namespace, name, tenantId, mesh));
    const item: CredentialItem = {
      ...credentialKey(tenantId, mesh, namespace, name),
      metadata: JSON.stringify(credential.metadata),
      certificateChain: credential.material.certificateChain,
      ...(credential.material.caCertificates !== undefined && { caCertificates: credential.material.caCertificates }),
      ...sealed,
    };
    // The old item tells created from replaced in the same write: two racing uploads cannot both be "created".
    const out = await sdkCall('PutItem (credential)', () => this.#doc.send(new PutCommand({ TableName: this.#tableName, Item: item, ReturnValues: 'ALL_OLD' })));
    return { created: out.Attributes === undefined };
  }

  async get(tenantId: string, mesh: string, namespace: string, name: string): Promise<TlsCredentialMetadata | undefined> {
    requireCredentialPlace({ tenantId, mesh, namespace, name });
    const item = await this.#table.get(credentialKey(tenantId, mesh, namespace, name), 'GetItem (credential)');
    return item ? (JSON.parse(item.metadata as string) as TlsCredentialMetadata) : undefined;
  }

  async list(tenantId: string, mesh: string): Promise<TlsCredentialMetadata[]> {
    requireCredentialPlace({ tenantId, mesh });
    const found: TlsCredentialMetadata[] = [];
    for await (const item of this.#query(meshPartition(tenantId, mesh), ['metadata'], 'Query (list credentials)')) found.push(JSON.parse(item.metadata as string) as TlsCredentialMetadata);
    return found;
  }

  async delete(tenantId: string, mesh: string, namespace: string, name: string): Promise<boolean> {
    requireCredentialPlace({ tenantId, mesh, namespace, name });
    return this.#table.deleteIf(credentialKey(tenantId, mesh, namespace, name), attributeExists('PK'), 'DeleteItem (credential)');
  }

  async deleteMesh(tenantId: string, mesh: string): Promise<void> {
    requireCredentialPlace({ tenantId, mesh });
    const partition = meshPartition(tenantId, mesh);
    const keys: ItemKey[] = [];
    for await (const item of this.#query(partition, ['PK', 'SK'], 'Query (credentials of a deleted mesh)')) keys.push({ PK: item.PK, SK: item.SK });
    await this.#table.batchDelete(keys, 'BatchWriteItem (credentials of a deleted mesh)');
    this.#opened.delete(partition);
  }

  async materials(tenantId: string, mesh: string): Promise<Map<string, TlsCredentialMaterial>> {
    requireCredentialPlace({ tenantId, mesh });
    const partition = meshPartition(tenantId, mesh);
    const items: CredentialItem[] = [];
    for await (const item of this.#query(partition, undefined, 'Query (credential materials)')) items.push(item as CredentialItem);
    const previous = this.#opened.get(partition);
    const opened = new Map<string, { version: string; privateKey: string }>();
    for (let i = 0; i < items.length; i += DECRYPT_CONCURRENCY) {
      await Promise.all(
        items.slice(i, i + DECRYPT_CONCURRENCY).map(async (item) => {
          const version = versionOf(item);
          const cached = previous?.get(item.SK);
          if (cached?.version === version) return opened.set(item.SK, cached);
          const { namespace, name } = JSON.parse(item.metadata) as TlsCredentialMetadata;
          const privateKey = await this.#envelope.open(encryptionContext(tenantId, mesh, namespace, name), item, label(namespace, name, tenantId, mesh));
          return opened.set(item.SK, { version, privateKey });
        }),
      );
    }
    // Only what the mesh holds now stays cached: deleted and replaced keys are dropped here.
    if (opened.size > 0) this.#opened.set(partition, opened);
    else this.#opened.delete(partition);
    const result = new Map<string, TlsCredentialMaterial>();
    for (const item of items) {
      const { namespace, name } = JSON.parse(item.metadata) as TlsCredentialMetadata;
      result.set(`${namespace}/${name}`, {
        certificateChain: item.certificateChain,
        privateKey: opened.get(item.SK)!.privateKey,
        ...(item.caCertificates !== undefined && { caCertificates: item.caCertificates }),
      });
    }
    return result;
  }

  /** Items of a mesh partition in key order (namespace, then name), page by page, strongly consistent. */
  async *#query(partition: string, projection: string[] | undefined, action: string): AsyncGenerator<Item> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await sdkCall(action, () =>
        this.#doc.send(
          new QueryCommand({
            TableName: this.#tableName,
            ConsistentRead: true,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'PK', ...Object.fromEntries((projection ?? []).map((p, i) => [`#p${i}`, p])) },
            ExpressionAttributeValues: { ':pk': partition },
            ...(projection && { ProjectionExpression: projection.map((_, i) => `#p${i}`).join(', ') }),
            ...(start && { ExclusiveStartKey: start }),
          }),
        ),
      );
      for (const item of out.Items ?? []) yield item as Item;
      start = out.LastEvaluatedKey;
    } while (start);
  }
}
