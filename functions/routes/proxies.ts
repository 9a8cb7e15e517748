import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { requireMesh } from './meshes.ts';
import { documented, ProblemSchema, problemResponses } from '../openapi.ts';
import { HttpProblemError } from '../problem.ts';
import { respond } from '../respond.ts';
import { proxyConfigRoute } from './proxy-config.ts';

const TypeStatus = z.object({
  sent: z.string().optional(),
  acked: z.string().optional(),
  state: z.enum(['SYNCED', 'STALE', 'NACKED']),
  lastNack: z.object({ version: z.string(), message: z.string(), at: z.string() }).optional(),
});

export const ProxyStatusSchema = z
  .object({
    proxyId: z.string(),
    namespace: z.string().optional(),
    serviceAccount: z.string().optional(),
    workload: z.string().optional(),
    address: z.string().optional(),
    protocol: z.enum(['sotw', 'delta']),
    replica: z.string().optional().describe('The xds-server replica holding the proxy stream (local in local mode)'),
    connectedAt: z.string(),
    revision: z.number().int().optional(),
    certificate: z
      .object({ spiffeId: z.string(), serialNumber: z.string(), notAfter: z.string(), expiresInSeconds: z.number().int() })
      .optional()
      .describe('The client certificate the proxy opened its mTLS xDS connection with. The agent rotates the workload certificate over SDS without reconnecting, so after a rotation this is the earlier certificate; see the certificate audit for the latest issued.'),
    types: z.record(z.enum(['cds', 'eds', 'lds', 'rds', 'sds']), TypeStatus),
    registration: z
      .object({ state: z.enum(['registered', 'refused']), group: z.string().optional(), reason: z.string().optional() })
      .optional()
      .describe('Whether the proxy is an endpoint in the workload registry, or why it was refused'),
  })
  .meta({ id: 'ProxyStatus' });

export function proxyRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/proxies',
    summary: 'Connected proxies with, per xDS type, the version sent, acked, and the last NACK',
    request: { params: z.object({ mesh: z.string() }) },
    responses: {
      200: { description: 'Proxies', content: { 'application/json': { schema: z.object({ items: z.array(ProxyStatusSchema) }) } } },
      ...problemResponses,
      503: { description: 'This deployment cannot observe proxies (no proxy status source)', content: { 'application/problem+json': { schema: ProblemSchema } } },
    },
  });
  app.get('/v1/meshes/:mesh/proxies', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    // An empty list would claim that no proxy is connected; without a source nobody knows.
    if (!deps.proxies) throw new HttpProblemError(503, 'Not configured', 'This deployment cannot observe proxies: it has no proxy status source, so it cannot tell which proxies are connected.');
    const items = await deps.proxies.list(tenantId, mesh.name);
    const nowMs = deps.now().getTime();
    return respond(c, {
      items: items.map(({ tenantId: _t, mesh: _m, certificate, ...rest }) => ({
        ...rest,
        ...(certificate ? { certificate: { ...certificate, expiresInSeconds: Math.floor((Date.parse(certificate.notAfter) - nowMs) / 1000) } } : {}),
      })),
    });
  });
  proxyConfigRoute(app, deps);
  return app;
}
