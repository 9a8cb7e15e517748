import type { MiddlewareHandler } from 'hono';
import type { ConfigStore } from '../core/store/config-store.ts';
import { ForbiddenError } from '../core/errors.ts';
import type { ApiEnv } from './context.ts';
import { hashApiKey, isApiKeyShaped } from './api-keys.ts';
import { HttpProblemError } from './problem.ts';

const unauthorized = (detail: string) =>
  new HttpProblemError(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="trellis"' });

/** Resolves `Authorization: Bearer <api key>` to the calling tenant; 401 otherwise. */
export function apiKeyAuth(options: { store: ConfigStore }): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw unauthorized('Missing Authorization header; send `Authorization: Bearer <api key>`.');
    const match = /^Bearer ([^\s]{1,200})$/i.exec(header);
    if (!match) throw unauthorized('Authorization header must be `Bearer <api key>`.');
    const secret = match[1]!;
    if (!isApiKeyShaped(secret)) throw unauthorized('The API key is not valid.');
    const record = await options.store.findApiKeyByHash(hashApiKey(secret));
    if (!record) throw unauthorized('The API key is not valid.');
    c.set('principal', { tenantId: record.tenantId, keyId: record.id, role: record.role });
    c.set('logger', c.get('logger').child({ tenant: record.tenantId, key: record.id }));
    await next();
  };
}

/** Only the operator's admin key may manage tenants. */
export function requireAdmin(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (c.get('principal').role !== 'admin') throw new ForbiddenError('This operation needs the operator admin key.');
    await next();
  };
}
