import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { documented, problemResponses } from '../openapi.ts';
import { HttpProblemError } from '../problem.ts';
import { respond } from '../respond.ts';
import { requireMesh } from './meshes.ts';

export const RegisteredWorkloadSchema = z
  .object({
    id: z.string().describe('Derived from the verified identity and the proxy node id'),
    name: z.string(),
    namespace: z.string(),
    group: z.string().optional().describe('The WorkloadGroup (namespace/name) the workload joined'),
    serviceAccount: z.string(),
    spiffeId: z.string().optional().describe('The SPIFFE ID of the certificate it connected with (absent on plaintext local xDS)'),
    address: z.string(),
    labels: z.record(z.string(), z.string()),
    ports: z.record(z.string(), z.number().int()).optional(),
    inboundPort: z.number().int().optional(),
    locality: z.string().optional(),
    weight: z.number().int().optional(),
    service: z
      .object({ name: z.string(), ports: z.array(z.object({ name: z.string(), number: z.number().int(), protocol: z.string().optional() })), selector: z.record(z.string(), z.string()).optional() })
      .optional()
      .describe('Set on a Kubernetes Service mirrored by a cluster agent: the entry is a mesh service, not an endpoint'),
    source: z.enum(['proxy', 'cloud-map', 'kubernetes']),
    replica: z.string().describe('The xds-server replica (or source) that keeps the entry alive'),
    since: z.string(),
    expiresAt: z.string().describe('When the entry lapses unless its replica refreshes it'),
  })
  .meta({ id: 'RegisteredWorkload' });

/** Live state: the workloads connected now. Never config: apply, rollback and history do not see them. */
export function workloadRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/workloads',
    summary: 'Registered workloads (connected sidecars): live state, not config revisions',
    request: { params: z.object({ mesh: z.string() }) },
    responses: { 200: { description: 'Workloads', content: { 'application/json': { schema: z.object({ items: z.array(RegisteredWorkloadSchema) }) } } }, ...problemResponses },
  });
  app.get('/v1/meshes/:mesh/workloads', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    if (!deps.workloads) throw new HttpProblemError(503, 'Not configured', 'This deployment has no workload registry to read.');
    const items = await deps.workloads.list(tenantId, mesh.name);
    return respond(c, { items: items.map(({ tenantId: _t, mesh: _m, ...rest }) => rest) });
  });
  return app;
}
