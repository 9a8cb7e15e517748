import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Context } from 'hono';
import { KINDS, KIND_NAMES, kindFromPlural, type KindName } from '../../core/resources/kinds.ts';
import { parseResource, resourceSchema } from '../../core/resources/index.ts';
import type { ResourceKey } from '../../core/resources/resource.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readDocument } from '../body.ts';
import { etag, writePrecondition } from '../etag.ts';
import { pageRequest } from '../pagination.ts';
import { badRequest } from '../problem.ts';
import { requireMesh } from './meshes.ts';
import { conflictResponses, documented, preconditionResponses, problemResponses } from '../openapi.ts';
import { respond } from '../respond.ts';
import { checkMeshConfig } from '../mesh-validation.ts';
import { changeWarnings, refuseIfStrict, strictParam, WARNINGS_HEADER, warningsHeaderValue } from '../analysis-warnings.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function kindParam(plural: string): KindName {
  const kind = kindFromPlural(plural);
  if (!kind) {
    throw new NotFoundError(`Unknown resource kind "${plural.slice(0, 60)}"; use one of: ${KIND_NAMES.map((k) => KINDS[k].plural).join(', ')}.`);
  }
  return kind;
}

function label(value: string, what: string): string {
  if (!DNS_LABEL.test(value)) throw badRequest(`${what} "${value.slice(0, 80)}" is not a DNS label.`, [{ path: what, message: 'must be a DNS label' }]);
  return value;
}

function pathKey(kind: KindName, namespace: string, name: string): ResourceKey {
  return { kind, namespace: label(namespace, 'namespace'), name: label(name, 'name') };
}

/** The body with name/namespace from the path where it leaves them out. */
function withPathIdentity(body: unknown, key: ResourceKey): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const doc = body as Record<string, unknown>;
  const meta = typeof doc.metadata === 'object' && doc.metadata !== null && !Array.isArray(doc.metadata) ? (doc.metadata as Record<string, unknown>) : {};
  if (doc.metadata !== undefined && meta !== doc.metadata) return body;
  return { ...doc, metadata: { ...meta, name: meta.name ?? key.name, namespace: meta.namespace ?? key.namespace } };
}

export function resourceRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const describeKey = (k: ResourceKey) => `${k.kind} ${k.namespace}/${k.name}`;
  const author = (keyId: string) => `key:${keyId}`;

  for (const kind of KIND_NAMES) {
    const plural = KINDS[kind].plural;
    const schema = resourceSchema(kind);
    const params = z.object({ mesh: z.string(), namespace: z.string(), name: z.string() });
    documented(app, {
      method: 'put',
      path: `/v1/meshes/{mesh}/resources/${plural}/{namespace}/{name}`,
      tags: [kind],
      summary: `Create or replace a ${kind}`,
      description:
        'Body: the Istio object as JSON or YAML. `If-Match` / `metadata.resourceVersion` make the write conditional; `If-None-Match: *` creates only. ' +
        `Analyzer findings about this resource come back in the \`${WARNINGS_HEADER}\` header (a JSON array of Warning; absent when there are none) and never block the write, unless \`?strict=true\`, which answers 400 with them as \`errors\`.`,
      request: { params, query: z.object({ strict: z.enum(['true', 'false']).optional() }), body: { content: { 'application/json': { schema }, 'application/yaml': { schema } } } },
      responses: {
        200: { description: 'Replaced (or unchanged)', content: { 'application/json': { schema } } },
        201: { description: 'Created', content: { 'application/json': { schema } } },
        ...problemResponses,
        ...conflictResponses,
        ...preconditionResponses,
      },
    });
    documented(app, { method: 'get', path: `/v1/meshes/{mesh}/resources/${plural}/{namespace}/{name}`, tags: [kind], summary: `Read a ${kind}`, request: { params }, responses: { 200: { description: 'The resource', content: { 'application/json': { schema } } }, ...problemResponses } });
    documented(app, { method: 'delete', path: `/v1/meshes/{mesh}/resources/${plural}/{namespace}/{name}`, tags: [kind], summary: `Delete a ${kind}`, request: { params }, responses: { 200: { description: 'Deleted; the new revision' }, ...problemResponses, ...conflictResponses, ...preconditionResponses } });
    const list = { content: { 'application/json': { schema: z.object({ items: z.array(schema), nextCursor: z.string().optional() }) } } };
    documented(app, { method: 'get', path: `/v1/meshes/{mesh}/resources/${plural}`, tags: [kind], summary: `List ${kind}s in every namespace`, request: { params: z.object({ mesh: z.string() }), query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }) }, responses: { 200: { description: 'A page', ...list }, ...problemResponses } });
    documented(app, { method: 'get', path: `/v1/meshes/{mesh}/resources/${plural}/{namespace}`, tags: [kind], summary: `List ${kind}s in one namespace`, request: { params: z.object({ mesh: z.string(), namespace: z.string() }), query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }) }, responses: { 200: { description: 'A page', ...list }, ...problemResponses } });
  }

  app.put('/v1/meshes/:mesh/resources/:kind/:namespace/:name', async (c) => {
    const { tenantId, keyId } = c.get('principal');
    const kind = kindParam(c.req.param('kind'));
    const key = pathKey(kind, c.req.param('namespace'), c.req.param('name'));
    const fromHeader = writePrecondition(c);
    const strict = strictParam(c.req.query('strict'));
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const parsed = parseResource(withPathIdentity(await readDocument(c), key), { defaultNamespace: key.namespace });
    if (!parsed.ok) throw new ValidationError(`The ${kind} is not valid.`, parsed.errors);
    const resource = parsed.value;
    if (resource.kind !== kind) throw badRequest(`The body is a ${resource.kind} but the path is for ${KINDS[kind].plural}.`, [{ path: 'kind', message: `must be ${kind}` }]);
    if (resource.metadata.name !== key.name || resource.metadata.namespace !== key.namespace) {
      throw badRequest(`metadata names ${resource.metadata.namespace}/${resource.metadata.name} but the path names ${key.namespace}/${key.name}.`, [
        { path: 'metadata', message: 'name and namespace must match the path' },
      ]);
    }
    const expectedVersion = fromHeader !== undefined ? fromHeader : resource.metadata.resourceVersion;
    const after = await checkMeshConfig(deps.store, tenantId, mesh.name, [resource]);
    const warnings = changeWarnings(after, [key]);
    refuseIfStrict(strict, warnings);
    const result = await deps.store.commit({
      tenantId,
      mesh: mesh.name,
      author: author(keyId),
      changes: [{ op: 'put', resource, ...(expectedVersion !== undefined ? { expectedVersion } : {}) }],
    });
    if (result.created) await deps.publish({ tenantId, mesh: mesh.name, revision: result.revision, reason: 'commit' });
    const stored = result.resources[0]!;
    c.header('etag', etag(stored.metadata.resourceVersion));
    c.header('x-trellis-revision', String(result.revision));
    if (warnings.length > 0) c.header(WARNINGS_HEADER, warningsHeaderValue(warnings));
    return respond(c, stored, result.changes[0]?.action === 'created' ? 201 : 200);
  });

  app.get('/v1/meshes/:mesh/resources/:kind/:namespace/:name', async (c) => {
    const { tenantId } = c.get('principal');
    const kind = kindParam(c.req.param('kind'));
    const key = pathKey(kind, c.req.param('namespace'), c.req.param('name'));
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const found = await deps.store.getResource(tenantId, mesh.name, key);
    if (!found) throw new NotFoundError(`${describeKey(key)} does not exist in mesh ${mesh.name}.`);
    c.header('etag', etag(found.metadata.resourceVersion));
    return respond(c, found);
  });

  app.delete('/v1/meshes/:mesh/resources/:kind/:namespace/:name', async (c) => {
    const { tenantId, keyId } = c.get('principal');
    const kind = kindParam(c.req.param('kind'));
    const key = pathKey(kind, c.req.param('namespace'), c.req.param('name'));
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const expectedVersion = writePrecondition(c);
    if (expectedVersion === null) throw badRequest('If-None-Match makes no sense on DELETE.');
    const result = await deps.store.commit({
      tenantId,
      mesh: mesh.name,
      author: author(keyId),
      changes: [{ op: 'delete', key, ...(expectedVersion !== undefined ? { expectedVersion } : {}) }],
    });
    await deps.publish({ tenantId, mesh: mesh.name, revision: result.revision, reason: 'commit' });
    c.header('x-trellis-revision', String(result.revision));
    return respond(c, { revision: result.revision, deleted: key });
  });

  const listHandler = async (c: Context<ApiEnv>, namespace?: string) => {
    const { tenantId } = c.get('principal');
    const kind = kindParam(c.req.param('kind') ?? '');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh') ?? '');
    const page = await deps.store.listResources(tenantId, mesh.name, { kind, ...(namespace ? { namespace: label(namespace, 'namespace') } : {}), ...pageRequest(c) });
    c.header('x-trellis-revision', String(mesh.revision));
    return respond(c, { items: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  };
  app.get('/v1/meshes/:mesh/resources/:kind', (c) => listHandler(c));
  app.get('/v1/meshes/:mesh/resources/:kind/:namespace', (c) => listHandler(c, c.req.param('namespace')));
  return app;
}
