import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { requireAdmin } from '../auth.ts';
import { readValidated, readOptionalValidated } from '../body.ts';
import { generateApiKey } from '../api-keys.ts';
import { pageRequest } from '../pagination.ts';
import { conflictResponses, documented, forbiddenResponses, ProblemSchema, problemResponses } from '../openapi.ts';
import { badRequest, HttpProblemError } from '../problem.ts';
import { DEFAULT_TENANT } from '../bootstrap.ts';

const TENANT_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const NewTenantSchema = z
  .strictObject({
    id: z.string().regex(TENANT_ID, 'must be a DNS label'),
    displayName: z.string().min(1).max(200).optional(),
  })
  .meta({ id: 'NewTenant' });

export const NewApiKeySchema = z
  .strictObject({
    description: z.string().max(200).optional(),
    role: z.enum(['admin', 'tenant']).default('tenant').describe(`\`admin\` (an operator key) only for tenant \`${DEFAULT_TENANT}\``),
  })
  .meta({ id: 'NewApiKey' });

const TenantSchema = z.object({ id: z.string(), displayName: z.string().optional(), createdAt: z.string() }).meta({ id: 'Tenant' });
const ApiKeySchema = z
  .object({ id: z.string(), tenantId: z.string(), role: z.enum(['admin', 'tenant']), description: z.string().optional(), createdAt: z.string(), key: z.string().optional().describe('The secret; returned only once, at creation') })
  .meta({ id: 'ApiKey' });

/**
 * Revoking the only admin key would leave nobody able to manage tenants or keys.
 * Limit: two revocations racing on the last two admin keys can both pass this check.
 */
async function refuseLastAdminKey(deps: ApiDependencies, tenantId: string, keyId: string): Promise<void> {
  const keys = await deps.store.listApiKeys(tenantId);
  if (keys.find((k) => k.id === keyId)?.role !== 'admin') return;
  if (keys.some((k) => k.role === 'admin' && k.id !== keyId)) return;
  throw new HttpProblemError(
    409,
    'Last admin key',
    `Key ${keyId} is the last admin key; revoking it would lock the operator out. Create another admin key first (POST /v1/tenants/${DEFAULT_TENANT}/api-keys with {"role":"admin"}, or restart with TRELLIS_BOOTSTRAP_KEY), then revoke this one.`,
  );
}

/** Operator endpoints (admin key only): tenants and their API keys. */
export function tenantRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.use('/v1/tenants/*', requireAdmin());
  app.use('/v1/tenants', requireAdmin());
  const tenantParam = z.object({ tenant: z.string() });

  const requireTenant = async (id: string) => {
    if (!TENANT_ID.test(id)) throw badRequest('tenant must be a DNS label.', [{ path: 'tenant', message: 'must be a DNS label' }]);
    const tenant = await deps.store.getTenant(id);
    if (!tenant) throw new NotFoundError(`Tenant "${id}" does not exist.`);
    return tenant;
  };

  documented(app, { method: 'post', path: '/v1/tenants', summary: 'Create a tenant (admin)', request: { body: { content: { 'application/json': { schema: NewTenantSchema } } } }, responses: { 201: { description: 'Created', content: { 'application/json': { schema: TenantSchema } } }, ...problemResponses, ...forbiddenResponses, ...conflictResponses } });
  app.post('/v1/tenants', async (c) => {
    const body = await readValidated(c, NewTenantSchema);
    const tenant = await deps.store.createTenant(body);
    return c.json(tenant, 201);
  });

  documented(app, { method: 'get', path: '/v1/tenants', summary: 'List tenants (admin)', responses: { 200: { description: 'A page of tenants', content: { 'application/json': { schema: z.object({ items: z.array(TenantSchema), nextCursor: z.string().optional() }) } } }, ...problemResponses, ...forbiddenResponses } });
  app.get('/v1/tenants', async (c) => c.json(await deps.store.listTenants(pageRequest(c))));

  documented(app, { method: 'post', path: '/v1/tenants/{tenant}/api-keys', summary: 'Create an API key for a tenant (admin); the secret is returned once', request: { params: tenantParam, body: { content: { 'application/json': { schema: NewApiKeySchema } } } }, responses: { 201: { description: 'Created', content: { 'application/json': { schema: ApiKeySchema } } }, ...problemResponses, ...forbiddenResponses } });
  app.post('/v1/tenants/:tenant/api-keys', async (c) => {
    const tenant = await requireTenant(c.req.param('tenant'));
    const body = await readOptionalValidated(c, NewApiKeySchema);
    if (body.role === 'admin' && tenant.id !== DEFAULT_TENANT) throw badRequest(`Admin keys belong to tenant "${DEFAULT_TENANT}", the operator's.`, [{ path: 'role', message: `admin only for tenant ${DEFAULT_TENANT}` }]);
    const key = generateApiKey();
    const record = await deps.store.createApiKey({
      id: key.id,
      tenantId: tenant.id,
      hash: key.hash,
      role: body.role,
      createdAt: deps.now().toISOString(),
      ...(body.description ? { description: body.description } : {}),
    });
    const { hash: _hash, ...view } = record;
    return c.json({ ...view, key: key.secret }, 201);
  });

  documented(app, { method: 'get', path: '/v1/tenants/{tenant}/api-keys', summary: "List a tenant's API keys (admin); secrets are never returned", request: { params: tenantParam }, responses: { 200: { description: 'Keys', content: { 'application/json': { schema: z.object({ items: z.array(ApiKeySchema) }) } } }, ...problemResponses, ...forbiddenResponses } });
  app.get('/v1/tenants/:tenant/api-keys', async (c) => {
    const tenant = await requireTenant(c.req.param('tenant'));
    const keys = await deps.store.listApiKeys(tenant.id);
    return c.json({ items: keys.map(({ hash: _hash, ...view }) => view) });
  });

  documented(app, { method: 'delete', path: '/v1/tenants/{tenant}/api-keys/{keyId}', summary: 'Revoke an API key (admin); the last admin key cannot be revoked', request: { params: z.object({ tenant: z.string(), keyId: z.string() }) }, responses: { 204: { description: 'Revoked' }, 409: { description: 'The last admin key: create another first', content: { 'application/problem+json': { schema: ProblemSchema } } }, ...problemResponses, ...forbiddenResponses } });
  app.delete('/v1/tenants/:tenant/api-keys/:keyId', async (c) => {
    const tenant = await requireTenant(c.req.param('tenant'));
    const keyId = c.req.param('keyId');
    if (!/^[0-9a-f]{16}$/.test(keyId)) throw new NotFoundError('No such API key.');
    await refuseLastAdminKey(deps, tenant.id, keyId);
    await deps.store.deleteApiKey(tenant.id, keyId);
    return c.body(null, 204);
  });
  return app;
}
