import { ConflictError, NotFoundError } from '../../../errors.ts';
import type { ApiKeyRecord } from '../../../store/config-store.ts';
import { requireTenant, type StoreContext } from './context.ts';
import { and, attributeExists, attributeNotExists, equals } from './expressions.ts';
import { apiKeyHashKey, apiKeyKey, PK, prefixRange, tenantKey } from './keys.ts';
import { apiKeyItems, apiKeyRecord } from './records.ts';
import { cancellationReasons, fromDynamoDbError } from './sdk-errors.ts';
import { requireId } from './tenants.ts';

/**
 * Writes the key under its tenant and under its hash in one transaction, so both the id and
 * the hash are unique and a lookup by hash is one GetItem.
 */
export async function createApiKey(ctx: StoreContext, key: ApiKeyRecord): Promise<ApiKeyRecord> {
  requireId(key?.id, 'id');
  requireId(key.hash, 'hash');
  requireId(key.tenantId, 'tenantId');
  const { byId, byHash } = apiKeyItems(key);
  const { table } = ctx;
  try {
    await table.transact([table.check(tenantKey(key.tenantId), attributeExists(PK)), table.put(byId, attributeNotExists(PK)), table.put(byHash, attributeNotExists(PK))]);
  } catch (error) {
    const [tenant, id, hash] = (cancellationReasons(error) ?? []).map((r) => r.Code === 'ConditionalCheckFailed');
    if (tenant) throw new NotFoundError(`tenant ${key.tenantId} not found`, { cause: error });
    if (id) throw new ConflictError(`API key ${key.id} already exists`, { cause: error });
    if (hash) throw new ConflictError('an API key with this hash already exists', { cause: error });
    throw fromDynamoDbError(error, 'create API key');
  }
  return apiKeyRecord(byId);
}

export async function findApiKeyByHash(ctx: StoreContext, hash: string): Promise<ApiKeyRecord | undefined> {
  if (typeof hash !== 'string' || hash === '') return undefined;
  const item = await ctx.table.get(apiKeyHashKey(hash), 'find API key');
  return item && apiKeyRecord(item);
}

export async function listApiKeys(ctx: StoreContext, tenantId: string): Promise<ApiKeyRecord[]> {
  await requireTenant(ctx, tenantId);
  const { PK: partition, SK: prefix } = apiKeyKey(tenantId, '');
  const keys: ApiKeyRecord[] = [];
  for await (const item of ctx.table.query({ partition, ...prefixRange(prefix) }, 'list API keys')) keys.push(apiKeyRecord(item));
  return keys;
}

export async function deleteApiKey(ctx: StoreContext, tenantId: string, keyId: string): Promise<void> {
  await requireTenant(ctx, tenantId);
  const item = typeof keyId === 'string' ? await ctx.table.get(apiKeyKey(tenantId, keyId), 'read API key') : undefined;
  if (!item) throw new NotFoundError(`API key ${keyId} not found`);
  const { hash } = apiKeyRecord(item);
  const { table } = ctx;
  try {
    await table.transact([table.delete(apiKeyKey(tenantId, keyId), equals('hash', hash)), table.delete(apiKeyHashKey(hash), and(equals('tenantId', tenantId), equals('id', keyId)))]);
  } catch (error) {
    if (cancellationReasons(error)) throw new NotFoundError(`API key ${keyId} not found`, { cause: error });
    throw fromDynamoDbError(error, 'delete API key');
  }
}
