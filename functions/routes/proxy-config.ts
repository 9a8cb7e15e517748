import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import { PROXY_CONFIG_TYPES, type ProxyConfigType } from '../../core/proxies/proxy-config.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { documented, ProblemSchema, problemResponses } from '../openapi.ts';
import { badRequest, HttpProblemError } from '../problem.ts';
import { respond } from '../respond.ts';
import { requireMesh } from './meshes.ts';

const EntrySchema = z.object({
  name: z.string(),
  version: z.string().optional(),
  sent: z.string().optional(),
  acked: z.string().optional(),
  resource: z.record(z.string(), z.unknown()).optional().describe('The Envoy resource as proto JSON'),
  source: z.string().optional(),
  usedBy: z.array(z.string()).optional(),
});

export const ProxyConfigSchema = z
  .object({
    proxyId: z.string(),
    revision: z.number().int().optional(),
    types: z.object(Object.fromEntries(PROXY_CONFIG_TYPES.map((t) => [t, z.array(EntrySchema).optional()]))),
  })
  .meta({ id: 'ProxyConfig' });

function requestedTypes(param: string | undefined): ProxyConfigType[] {
  if (param === undefined || param === '' || param === 'all') return [...PROXY_CONFIG_TYPES];
  const types = param.split(',').map((t) => t.trim());
  const unknown = types.filter((t) => !(PROXY_CONFIG_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw badRequest(`Unknown config type ${unknown.map((t) => `"${t.slice(0, 40)}"`).join(', ')}; use ${PROXY_CONFIG_TYPES.join(', ')} or all.`, [{ path: 'type', message: `must be one of ${PROXY_CONFIG_TYPES.join(', ')}, all` }]);
  return types as ProxyConfigType[];
}

/** `GET /v1/meshes/{mesh}/proxies/{proxyId}/config`: the Envoy resources one connected proxy is served. */
export function proxyConfigRoute(app: OpenAPIHono<ApiEnv>, deps: ApiDependencies): void {
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/proxies/{proxyId}/config',
    summary: "The effective config of one connected proxy: clusters, listeners, routes, endpoints, and secrets' metadata",
    description: '`type` is a comma-separated list of clusters, listeners, routes, endpoints, secrets (default: all). 501 where the xDS server does not run in the API process.',
    request: { params: z.object({ mesh: z.string(), proxyId: z.string() }), query: z.object({ type: z.string().optional() }) },
    responses: { 200: { description: 'The config', content: { 'application/json': { schema: ProxyConfigSchema } } }, ...problemResponses, 501: { description: 'No per-proxy config source in this deployment', content: { 'application/problem+json': { schema: ProblemSchema } } } },
  });
  app.get('/v1/meshes/:mesh/proxies/:proxyId/config', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const types = requestedTypes(c.req.query('type'));
    if (!deps.proxies?.config) {
      throw new HttpProblemError(501, 'Not implemented', 'Per-proxy config is available where the xDS server runs in the API process (local mode); this deployment has no source for it yet. Use proxy status instead.');
    }
    const proxyId = c.req.param('proxyId');
    const config = await deps.proxies.config(tenantId, mesh.name, proxyId, types);
    if (!config) throw new NotFoundError(`Proxy "${proxyId.slice(0, 200)}" is not connected to mesh ${mesh.name}; list connected proxies with GET /v1/meshes/${mesh.name}/proxies.`);
    return respond(c, config);
  });
}
