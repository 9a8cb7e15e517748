import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { CloudMapSettingsSchema } from '../../core/mesh/registry-sources.ts';
import type { CloudMapSourceStatus } from '../../core/registry/cloud-map-source-status.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { documented, problemResponses } from '../openapi.ts';
import { respond } from '../respond.ts';
import { requireMesh } from './meshes.ts';

const CloudMapSourceStateSchema = z
  .object({
    cloudMapNamespace: z.string(),
    service: z.string(),
    namespace: z.string().describe('The mesh namespace its instances belong to'),
    state: z
      .enum(['ok', 'failing', 'pending', 'unpolled', 'unknown'])
      .describe('ok: the last poll listed it; failing: polls fail (its entries stay until they expire); pending: not polled yet; unpolled: no replica holds its lease (none running, or the lease store fails); unknown: this deployment cannot observe the polls'),
    polledBy: z.string().optional().describe('The xds-server replica holding the lease to poll it'),
    leaseExpiresAt: z.string().optional(),
    lastAttemptAt: z.string().optional(),
    lastSuccessAt: z.string().optional(),
    lastError: z.string().optional().describe('The last failed poll\'s error, kept after later successes'),
    lastErrorAt: z.string().optional(),
    consecutiveFailures: z.number().int().describe('Failed polls since the last success'),
    instances: z.number().int().optional().describe('Instances the last successful poll made workloads of'),
    skipped: z.number().int().optional().describe('Instances it could not use (no IPv4 address, bad port)'),
    filtered: z.number().int().optional().describe("Instances the node's App Mesh attribute filter left out"),
  })
  .meta({ id: 'CloudMapSourceState' });

const RegistrySourceStatusSchema = z
  .object({
    cloudMap: z.object({
      observed: z.boolean().describe('Whether this deployment can read how the polls go; false: every state is unknown'),
      periodSeconds: z.number().int().optional(),
      sources: z.array(CloudMapSourceStateSchema),
    }),
  })
  .meta({ id: 'RegistrySourceStatus' });

type SourceState = z.infer<typeof CloudMapSourceStateSchema>;

function stateOf(status: CloudMapSourceStatus | undefined, observed: boolean, now: Date): SourceState['state'] {
  if (!observed) return 'unknown';
  if (!status) return 'pending';
  if (Date.parse(status.leaseExpiresAt) <= now.getTime()) return 'unpolled';
  if (status.consecutiveFailures > 0) return 'failing';
  return status.lastSuccessAt ? 'ok' : 'pending';
}

/** Live state of the registry sources a mesh's settings name: who polls each, and how its polls go. */
export function registrySourceStatusRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/registry-sources',
    summary: "The mesh's registry sources and how their polls go (live state)",
    request: { params: z.object({ mesh: z.string() }) },
    responses: { 200: { description: 'Registry sources', content: { 'application/json': { schema: RegistrySourceStatusSchema } } }, ...problemResponses },
  });
  app.get('/v1/meshes/:mesh/registry-sources', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    // Stored settings passed validation when written; one that no longer parses is polled by no replica either.
    const parsed = CloudMapSettingsSchema.safeParse((mesh.settings.registrySources as { cloudMap?: unknown } | undefined)?.cloudMap);
    const observed = deps.cloudMapSources !== undefined;
    if (!parsed.success) return respond(c, { cloudMap: { observed, sources: [] } });
    const statuses = new Map((await (deps.cloudMapSources?.list(tenantId, mesh.name) ?? Promise.resolve([]))).map((s) => [`${s.cloudMapNamespace}/${s.service}`, s]));
    const now = deps.now();
    const sources = parsed.data.sources.map((source): SourceState => {
      const status = statuses.get(`${source.cloudMapNamespace}/${source.service}`);
      const { holder, cloudMapNamespace: _n, service: _s, ...polls } = status ?? { consecutiveFailures: 0 };
      return { cloudMapNamespace: source.cloudMapNamespace, service: source.service, namespace: source.namespace, state: stateOf(status, observed, now), ...(holder ? { polledBy: holder } : {}), ...polls };
    });
    return respond(c, { cloudMap: { observed, periodSeconds: parsed.data.periodSeconds ?? 30, sources } });
  });
  return app;
}
