import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { documented, problemResponses, unavailableResponses } from '../openapi.ts';
import { respond } from '../respond.ts';
import { requireMesh } from './meshes.ts';
import { requireIssuing } from './certificate-issuing.ts';

const AuditEntrySchema = z
  .object({
    at: z.string(),
    credential: z.enum(['join-token', 'certificate', 'eks', 'ecs', 'none']),
    outcome: z.enum(['issued', 'refused']),
    spiffeId: z.string().optional(),
    tokenId: z.string().optional(),
    subject: z.string().optional().describe('What a platform attested: registration name and token subject or STS ARN'),
    serialNumber: z.string().optional(),
    notAfter: z.string().optional(),
    reason: z.string().optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: 'CertificateAuditEntry' });

export function certificateAuditRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/certificates/audit',
    summary: 'Recent certificate requests of the mesh (issued and refused, newest first) with counts',
    request: { params: z.object({ mesh: z.string() }), query: z.object({ limit: z.string().optional() }) },
    responses: {
      200: { description: 'Audit trail', content: { 'application/json': { schema: z.object({ issued: z.number().int(), refused: z.number().int(), items: z.array(AuditEntrySchema) }) } } },
      ...problemResponses,
      ...unavailableResponses,
    },
  });
  app.get('/v1/meshes/:mesh/certificates/audit', async (c) => {
    const issuing = requireIssuing(deps);
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 100) || 100, 1), 1000);
    const retained = await issuing.ledger.listAudit({ tenantId, mesh: mesh.name, limit: 1000 });
    const items = retained.slice(0, limit).map(({ tenantId: _t, mesh: _m, ...rest }) => rest);
    return respond(c, { issued: retained.filter((e) => e.outcome === 'issued').length, refused: retained.filter((e) => e.outcome === 'refused').length, items });
  });
  return app;
}
