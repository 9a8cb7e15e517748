import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { MESH_NAME, MeshSettingsSchema } from '../../core/mesh/mesh-settings.ts';
import type { MeshRecord } from '../../core/store/config-store.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readValidated } from '../body.ts';
import { etag, writePrecondition } from '../etag.ts';
import { pageRequest } from '../pagination.ts';
import { badRequest } from '../problem.ts';
import { conflictResponses, documented, preconditionResponses, problemResponses } from '../openapi.ts';
import { putMeshKeepingRegistry, withoutRegistry } from '../attestation/registry-store.ts';

export const MeshSchema = z
  .object({
    name: z.string(),
    settings: MeshSettingsSchema,
    version: z.string(),
    revision: z.number().int().describe('Head config revision (0 before the first change)'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Mesh' });

export function meshView(m: MeshRecord) {
  return { name: m.name, settings: withoutRegistry(m.settings), version: m.version, revision: m.revision, createdAt: m.createdAt, updatedAt: m.updatedAt };
}

export function meshName(value: string): string {
  if (!MESH_NAME.test(value)) {
    throw badRequest(`Mesh name "${value.slice(0, 80)}" is not a DNS label (lower-case letters, digits and '-', at most 63).`, [
      { path: 'mesh', message: 'must be a DNS label' },
    ]);
  }
  return value;
}

/** The mesh of the calling tenant, or 404 (also for another tenant's mesh). */
export async function requireMesh(deps: ApiDependencies, tenantId: string, name: string): Promise<MeshRecord> {
  const mesh = await deps.store.getMesh(tenantId, meshName(name));
  if (!mesh) throw new NotFoundError(`Mesh "${name}" does not exist. Create it with PUT /v1/meshes/${name}.`);
  return mesh;
}

export function meshRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const meshParam = z.object({ mesh: z.string().meta({ description: 'Mesh name (DNS label)' }) });

  documented(app, {
    method: 'put',
    path: '/v1/meshes/{mesh}',
    summary: 'Create a mesh or update its settings',
    request: { params: meshParam, body: { content: { 'application/json': { schema: MeshSettingsSchema } } } },
    responses: { 200: { description: 'Updated', content: { 'application/json': { schema: MeshSchema } } }, 201: { description: 'Created', content: { 'application/json': { schema: MeshSchema } } }, ...problemResponses, ...conflictResponses, ...preconditionResponses },
  });
  app.put('/v1/meshes/:mesh', async (c) => {
    const { tenantId } = c.get('principal');
    const name = meshName(c.req.param('mesh'));
    const settings = await readValidated(c, MeshSettingsSchema);
    const { mesh, created } = await putMeshKeepingRegistry(deps.store, tenantId, name, settings, writePrecondition(c));
    await deps.publish({ tenantId, mesh: name, revision: mesh.revision, reason: 'mesh-updated' });
    c.header('etag', etag(mesh.version));
    return c.json(meshView(mesh), created ? 201 : 200);
  });

  documented(app, {
    method: 'get',
    path: '/v1/meshes',
    summary: 'List the meshes of the calling tenant',
    request: { query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }) },
    responses: { 200: { description: 'A page of meshes', content: { 'application/json': { schema: z.object({ items: z.array(MeshSchema), nextCursor: z.string().optional() }) } } }, ...problemResponses },
  });
  app.get('/v1/meshes', async (c) => {
    const page = await deps.store.listMeshes(c.get('principal').tenantId, pageRequest(c));
    return c.json({ items: page.items.map(meshView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });

  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}',
    summary: 'Read a mesh',
    request: { params: meshParam },
    responses: { 200: { description: 'The mesh', content: { 'application/json': { schema: MeshSchema } } }, ...problemResponses },
  });
  app.get('/v1/meshes/:mesh', async (c) => {
    const mesh = await requireMesh(deps, c.get('principal').tenantId, c.req.param('mesh'));
    c.header('etag', etag(mesh.version));
    return c.json(meshView(mesh));
  });

  documented(app, {
    method: 'delete',
    path: '/v1/meshes/{mesh}',
    summary: 'Delete a mesh with all its config and history',
    request: { params: meshParam },
    responses: { 204: { description: 'Deleted' }, ...problemResponses, ...conflictResponses },
  });
  app.delete('/v1/meshes/:mesh', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    await deps.store.deleteMesh(tenantId, mesh.name);
    // Its gateway credentials go with it: a mesh created later under the name starts without them.
    await deps.credentials?.deleteMesh(tenantId, mesh.name);
    await deps.publish({ tenantId, mesh: mesh.name, revision: mesh.revision, reason: 'mesh-deleted' });
    return c.body(null, 204);
  });
  return app;
}
