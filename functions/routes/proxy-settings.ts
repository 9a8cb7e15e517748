import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { ForbiddenError } from '../../core/errors.ts';
import { parseSpiffeId } from '../../core/identity/spiffe.ts';
import { effectiveProxySettings, type ProxyConfigSource } from '../../core/resources/effective-proxy-config.ts';
import type { ProxyConfigSpec } from '../../core/resources/schemas/proxy-config.ts';
import { Labels } from '../../core/resources/schemas/shared/labels.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { documented, ProblemSchema, problemResponses } from '../openapi.ts';
import { badRequest, HttpProblemError } from '../problem.ts';
import { requireIssuing } from './certificate-issuing.ts';
import { meshName } from './meshes.ts';
import { authenticateWorkload, type CredentialTrace } from './workload-credential.ts';

/** A workload's labels fit in a few KiB; more is not an agent's request. */
const MAX_REQUEST_BYTES = 16 * 1024;
const MAX_LABELS = 64;
/** Stored ProxyConfigs read per request, page by page. */
const PAGE = 1000;

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

const RequestSchema = z.strictObject({ labels: Labels.optional() });
const ProxySettingsSchema = z
  .object({
    concurrency: z.number().int().optional().describe('Envoy worker threads (0: one per core)'),
    environmentVariables: z.record(z.string(), z.string()).optional().describe("Added to Envoy's environment"),
    sources: z.array(z.string()).describe('The ProxyConfigs (namespace/name) the settings come from, most specific first'),
  })
  .meta({ id: 'ProxySettings' });

async function storedProxyConfigs(deps: ApiDependencies, tenantId: string, mesh: string): Promise<ProxyConfigSource[]> {
  const found: ProxyConfigSource[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listResources(tenantId, mesh, { kind: 'ProxyConfig', limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const r of page.items) found.push({ namespace: r.metadata.namespace, name: r.metadata.name, spec: r.spec as ProxyConfigSpec });
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

/**
 * What ProxyConfig asks of one workload's Envoy (worker threads, environment), for the agent to
 * apply when it starts Envoy. The namespace is the caller's certificate's; the labels are its own.
 */
export function proxySettingsRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'post',
    path: '/v1/meshes/{mesh}/proxy-settings',
    summary: "The effective ProxyConfig settings for the calling workload (the agent asks before it starts Envoy)",
    security: [{ trellisCert: [] }],
    request: { params: z.object({ mesh: z.string() }), body: { content: { 'application/json': { schema: RequestSchema } } } },
    responses: { 200: { description: 'Settings', content: { 'application/json': { schema: ProxySettingsSchema } } }, ...problemResponses, 403: problem('Not a workload certificate of this mesh'), 413: problem('Larger than 16 KiB'), 415: problem('Not application/json'), 503: problem('No CA configured to verify the certificate') },
  });
  app.post('/v1/meshes/:mesh/proxy-settings', async (c) => {
    const mesh = meshName(c.req.param('mesh'));
    if (!(c.req.header('authorization') ?? '').startsWith('TrellisCert ')) throw new HttpProblemError(401, 'Unauthorized', 'Proxy settings are asked for with the workload certificate: send `Authorization: TrellisCert ...`.');
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpProblemError(415, 'Unsupported media type', 'Send the body as application/json.');
    const text = await c.req.text();
    if (text.length > MAX_REQUEST_BYTES) throw new HttpProblemError(413, 'Payload too large', `A request is at most ${MAX_REQUEST_BYTES} bytes.`);
    const trace: CredentialTrace = { kind: 'none' };
    const who = await authenticateWorkload(deps, requireIssuing(deps), { authorization: c.req.header('authorization'), meshName: mesh, method: c.req.method, path: c.req.path, body: text }, trace);
    if (who.kind !== 'certificate') throw new ForbiddenError('Proxy settings are asked for with a workload certificate.');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest('The body is not JSON.');
    }
    const parsed = RequestSchema.safeParse(body);
    if (!parsed.success) throw badRequest('The request is not valid.', parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
    const labels = parsed.data.labels ?? {};
    if (Object.keys(labels).length > MAX_LABELS) throw badRequest(`At most ${MAX_LABELS} labels.`, [{ path: 'labels', message: `at most ${MAX_LABELS} labels` }]);
    const identity = parseSpiffeId(who.spiffeId);
    if (!identity.ok) throw new ForbiddenError('The certificate does not name a workload namespace.');
    const settings = effectiveProxySettings(await storedProxyConfigs(deps, who.tenantId, who.mesh.name), { namespace: identity.value.namespace, labels });
    return c.json(settings);
  });
  return app;
}
