import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { rollback } from '../../core/store/rollback.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readValidated } from '../body.ts';
import { pageRequest, positiveInt } from '../pagination.ts';
import { requireMesh } from './meshes.ts';
import { conflictResponses, documented, preconditionResponses, problemResponses } from '../openapi.ts';
import { respond } from '../respond.ts';
import { badRequest } from '../problem.ts';
import type { RevisionConvergence } from '../../core/proxies/convergence.ts';
import type { RevisionRecord } from '../../core/store/config-store.ts';

export const ConvergenceSchema = z
  .object({
    proxies: z.number().int().describe('Proxies connected when the revision was pushed (those that left since are not counted)'),
    acked: z.number().int().describe('Of those, how many acknowledged its config for every xDS type'),
    seconds: z.number().optional().describe('Commit to the last acknowledgement; present once every proxy acked'),
  })
  .meta({ id: 'Convergence' });

export const RevisionSchema = z
  .object({
    revision: z.number().int(),
    author: z.string(),
    createdAt: z.string(),
    message: z.string().optional(),
    rollbackTo: z.number().int().optional(),
    convergence: ConvergenceSchema.optional().describe('How far the revision reached the proxies; absent when unknown (no proxy connected, or older than the kept history)'),
    changes: z.array(
      z.object({
        kind: z.string(),
        namespace: z.string(),
        name: z.string(),
        action: z.enum(['created', 'updated', 'deleted']),
        previousVersion: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'Revision' });

export const RollbackRequestSchema = z
  .strictObject({
    toRevision: z.number().int().min(0),
    message: z.string().max(500).optional(),
  })
  .meta({ id: 'RollbackRequest' });

export function revisionRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const meshParam = z.object({ mesh: z.string() });
  const withConvergence = async (tenantId: string, mesh: string, records: RevisionRecord[]): Promise<(RevisionRecord & { convergence?: RevisionConvergence })[]> => {
    if (!deps.convergence || records.length === 0) return records;
    const known = await deps.convergence.convergence(tenantId, mesh, records.map((r) => r.revision));
    return records.map((r) => (known.has(r.revision) ? { ...r, convergence: known.get(r.revision)! } : r));
  };

  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/revisions',
    summary: 'The revision log, newest first',
    request: { params: meshParam, query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }) },
    responses: { 200: { description: 'A page of revisions', content: { 'application/json': { schema: z.object({ items: z.array(RevisionSchema), nextCursor: z.string().optional() }) } } }, ...problemResponses },
  });
  app.get('/v1/meshes/:mesh/revisions', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const page = await deps.store.listRevisions(tenantId, mesh.name, pageRequest(c));
    const items = await withConvergence(tenantId, mesh.name, page.items);
    return respond(c, { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });

  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/revisions/{revision}',
    summary: 'One revision; `?resources=true` adds the whole mesh config as of that revision',
    request: { params: z.object({ mesh: z.string(), revision: z.string() }), query: z.object({ resources: z.enum(['true', 'false']).optional() }) },
    responses: { 200: { description: 'The revision', content: { 'application/json': { schema: RevisionSchema } } }, ...problemResponses },
  });
  app.get('/v1/meshes/:mesh/revisions/:revision', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const n = positiveInt(c.req.param('revision'), 'revision');
    const record = await deps.store.getRevision(tenantId, mesh.name, n);
    if (!record) throw new NotFoundError(`Mesh ${mesh.name} has no revision ${n} (head is ${mesh.revision}).`);
    const [revision] = await withConvergence(tenantId, mesh.name, [record]);
    if (c.req.query('resources') === 'true') {
      const snapshot = await deps.store.snapshot(tenantId, mesh.name, n);
      return respond(c, { ...revision, resources: snapshot.resources });
    }
    return respond(c, revision);
  });

  documented(app, {
    method: 'post',
    path: '/v1/meshes/{mesh}/rollback',
    summary: 'Restore the config of an earlier revision, as a new revision',
    request: { params: meshParam, body: { content: { 'application/json': { schema: RollbackRequestSchema } } } },
    responses: { 200: { description: 'The new revision (or the unchanged head)' }, ...problemResponses, ...conflictResponses, ...preconditionResponses },
  });
  app.post('/v1/meshes/:mesh/rollback', async (c) => {
    const { tenantId, keyId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const body = await readValidated(c, RollbackRequestSchema);
    if (body.toRevision > mesh.revision) throw badRequest(`toRevision ${body.toRevision} is after the head revision ${mesh.revision}.`, [{ path: 'toRevision', message: 'must not be after the head' }]);
    const result = await rollback(deps.store, {
      tenantId,
      mesh: mesh.name,
      toRevision: body.toRevision,
      author: `key:${keyId}`,
      message: body.message ?? `rollback to revision ${body.toRevision}`,
    });
    if (result.created) await deps.publish({ tenantId, mesh: mesh.name, revision: result.revision, reason: 'commit' });
    c.header('x-trellis-revision', String(result.revision));
    return respond(c, { revision: result.revision, created: result.created, rollbackTo: body.toRevision, changes: result.changes });
  });
  return app;
}
