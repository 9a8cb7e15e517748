import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { validateCredential, type CredentialStore } from '../../core/credentials/index.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readValidated } from '../body.ts';
import { documented, problemResponses, unavailableResponses } from '../openapi.ts';
import { badRequest, HttpProblemError } from '../problem.ts';
import { requireMesh } from './meshes.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const CredentialUploadSchema = z
  .strictObject({
    certificateChain: z.string().min(1).describe('PEM: the server certificate first, then intermediates'),
    privateKey: z.string().min(1).describe('PEM, unencrypted (PKCS#8, SEC1 or PKCS#1); EC P-256/P-384 or RSA 2048+; never returned'),
    caCertificates: z.string().min(1).optional().describe('PEM: CAs that verify client certificates (Gateway tls.mode MUTUAL)'),
  })
  .meta({ id: 'CredentialUpload' });

const CredentialSchema = z
  .object({
    namespace: z.string(),
    name: z.string(),
    subject: z.string(),
    issuer: z.string(),
    subjectAltNames: z.array(z.string()),
    notBefore: z.string(),
    notAfter: z.string(),
    sha256Fingerprint: z.string(),
    chainLength: z.number().int(),
    caCertificates: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Credential', description: 'A TLS credential for Gateway servers (tls.credentialName); the private key is never returned' });

function label(value: string, what: string): string {
  if (!DNS_LABEL.test(value)) throw badRequest(`${what} "${value.slice(0, 80)}" is not a DNS label.`, [{ path: what, message: 'must be a DNS label' }]);
  return value;
}

function requireCredentials(deps: ApiDependencies): CredentialStore {
  if (!deps.credentials) throw new HttpProblemError(503, 'Not configured', 'This deployment keeps no gateway credentials yet.');
  return deps.credentials;
}

/**
 * Gateway TLS credentials: `PUT|GET|DELETE /v1/meshes/{mesh}/credentials/{namespace}/{name}` and
 * `GET /v1/meshes/{mesh}/credentials`. Gateways in `namespace` whose servers name the credential
 * (tls.credentialName) receive it over SDS as `<namespace>/<name>`.
 */
export function credentialRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const params = z.object({ mesh: z.string(), namespace: z.string(), name: z.string() });
  const one = '/v1/meshes/{mesh}/credentials/{namespace}/{name}';
  const ok = (description: string) => ({ description, content: { 'application/json': { schema: CredentialSchema } } });
  documented(app, {
    method: 'put',
    path: one,
    summary: 'Upload or replace a TLS credential for gateways (validated; the key is stored encrypted)',
    request: { params, body: { content: { 'application/json': { schema: CredentialUploadSchema } } } },
    responses: { 200: ok('Replaced'), 201: ok('Created'), ...problemResponses, ...unavailableResponses },
  });
  documented(app, { method: 'get', path: one, summary: "A credential's metadata (never the key)", request: { params }, responses: { 200: ok('Found'), ...problemResponses, ...unavailableResponses } });
  documented(app, { method: 'delete', path: one, summary: 'Delete a credential; gateways using it stop serving those servers', request: { params }, responses: { 204: { description: 'Deleted' }, ...problemResponses, ...unavailableResponses } });
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/credentials',
    summary: 'Every credential of the mesh (metadata only)',
    request: { params: z.object({ mesh: z.string() }) },
    responses: { 200: { description: 'Credentials', content: { 'application/json': { schema: z.object({ items: z.array(CredentialSchema) }) } } }, ...problemResponses, ...unavailableResponses },
  });

  const announce = (tenantId: string, mesh: string, revision: number) => deps.publish({ tenantId, mesh, revision, reason: 'mesh-updated' });

  app.put('/v1/meshes/:mesh/credentials/:namespace/:name', async (c) => {
    const store = requireCredentials(deps);
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const namespace = label(c.req.param('namespace'), 'namespace');
    const name = label(c.req.param('name'), 'name');
    const body = await readValidated(c, CredentialUploadSchema);
    const checked = validateCredential(namespace, name, body, deps.now());
    if (!checked.ok) throw new ValidationError('The credential is not valid.', checked.errors);
    const { created } = await store.put(tenantId, mesh.name, checked.value);
    c.get('logger').info({ mesh: mesh.name, namespace, name, fingerprint: checked.value.metadata.sha256Fingerprint, notAfter: checked.value.metadata.notAfter }, created ? 'credential created' : 'credential replaced');
    await announce(tenantId, mesh.name, mesh.revision);
    return c.json(checked.value.metadata, created ? 201 : 200);
  });

  app.get('/v1/meshes/:mesh/credentials/:namespace/:name', async (c) => {
    const store = requireCredentials(deps);
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const namespace = label(c.req.param('namespace'), 'namespace');
    const name = label(c.req.param('name'), 'name');
    const found = await store.get(tenantId, mesh.name, namespace, name);
    if (!found) throw new NotFoundError(`Credential ${namespace}/${name} does not exist in mesh "${mesh.name}".`);
    return c.json(found);
  });

  app.delete('/v1/meshes/:mesh/credentials/:namespace/:name', async (c) => {
    const store = requireCredentials(deps);
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const namespace = label(c.req.param('namespace'), 'namespace');
    const name = label(c.req.param('name'), 'name');
    if (!(await store.delete(tenantId, mesh.name, namespace, name))) throw new NotFoundError(`Credential ${namespace}/${name} does not exist in mesh "${mesh.name}".`);
    await announce(tenantId, mesh.name, mesh.revision);
    return c.body(null, 204);
  });

  app.get('/v1/meshes/:mesh/credentials', async (c) => {
    const store = requireCredentials(deps);
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    return c.json({ items: await store.list(tenantId, mesh.name) });
  });
  return app;
}
