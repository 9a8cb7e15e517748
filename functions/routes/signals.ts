import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS, parseSignalReport } from '../../core/signals/index.ts';
import { ForbiddenError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { documented, ProblemSchema, problemResponses } from '../openapi.ts';
import { badRequest, HttpProblemError } from '../problem.ts';
import { respond } from '../respond.ts';
import { requireIssuing } from './certificate-issuing.ts';
import { meshName, requireMesh } from './meshes.ts';
import { authenticateWorkload, type CredentialTrace } from './workload-credential.ts';

const DEFAULT_WINDOW_SECONDS = 60;
/** A report of 500 services is ~120 KiB of JSON; anything larger is not a sidecar's. */
const MAX_REPORT_BYTES = 256 * 1024;
const HOST_PART = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });
const notCollected = { 501: problem('This deployment was started without a golden-signals store') };

const VersionSignalsSchema = z.object({
  version: z.string(),
  requests: z.number().int(),
  requestsPerSecond: z.number(),
  successRate: z.number().nullable().describe('Share of requests not answered 5xx; null without requests'),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
});
const ServiceSignalsSchema = z
  .object({ host: z.string(), windowSeconds: z.number().int(), reporters: z.number().int().describe('Sidecars that reported on the service in the window'), total: VersionSignalsSchema, versions: z.array(VersionSignalsSchema) })
  .meta({ id: 'ServiceSignals' });

function requireSignals(deps: ApiDependencies) {
  if (!deps.signals) throw new HttpProblemError(501, 'Not available', 'This deployment was started without a golden-signals store, so it does not collect golden signals.');
  return deps.signals;
}

/** `{host}` is a short name (completed as `<host>.<namespace>.svc.cluster.local`) or a full host, whose namespace label must then be `{namespace}`. */
function serviceHost(namespace: string, host: string): string {
  if (!NAMESPACE.test(namespace)) throw badRequest('The namespace must be a DNS-1123 label.', [{ path: 'namespace', message: 'must be a DNS-1123 label' }]);
  if (host.length > 253 || !HOST_PART.test(host)) throw badRequest('The host must be a lower-case DNS name.', [{ path: 'host', message: 'must be a lower-case DNS name' }]);
  if (!host.includes('.')) return `${host}.${namespace}.svc.cluster.local`;
  const labels = host.split('.');
  if (labels[2] === 'svc' && labels[1] !== namespace) throw badRequest(`The host "${host}" is in namespace "${labels[1]}", not "${namespace}".`, [{ path: 'host', message: `is in namespace "${labels[1]}"` }]);
  return host;
}

/** Sidecars report what they saw; authenticated by their workload certificate only (the identity is the reporter). */
export function signalReportRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'post',
    path: '/v1/meshes/{mesh}/signals/reports',
    summary: "A sidecar's request counts and duration buckets per service and version since its last report (the agent sends them)",
    security: [{ trellisCert: [] }],
    request: { params: z.object({ mesh: z.string() }) },
    responses: { 204: { description: 'Recorded' }, ...problemResponses, 403: problem('Not a workload certificate of this mesh'), 413: problem('Larger than 256 KiB'), 415: problem('Not application/json'), ...notCollected, 503: problem('No CA configured to verify the certificate') },
  });
  app.post('/v1/meshes/:mesh/signals/reports', async (c) => {
    const signals = requireSignals(deps);
    const mesh = meshName(c.req.param('mesh'));
    if (!(c.req.header('authorization') ?? '').startsWith('TrellisCert ')) throw new HttpProblemError(401, 'Unauthorized', 'Reports are signed with the workload certificate: send `Authorization: TrellisCert ...`.');
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpProblemError(415, 'Unsupported media type', 'Send the body as application/json.');
    const text = await c.req.text();
    if (text.length > MAX_REPORT_BYTES) throw new HttpProblemError(413, 'Payload too large', `A report is at most ${MAX_REPORT_BYTES} bytes.`);
    const trace: CredentialTrace = { kind: 'none' };
    const who = await authenticateWorkload(deps, requireIssuing(deps), { authorization: c.req.header('authorization'), meshName: mesh, method: c.req.method, path: c.req.path, body: text }, trace);
    if (who.kind !== 'certificate') throw new ForbiddenError('Reports are signed with a workload certificate.');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest('The body is not JSON.');
    }
    const report = parseSignalReport(body);
    if (!report.ok) throw badRequest('The report is not valid.', report.errors);
    await signals.record(who.tenantId, who.mesh.name, who.spiffeId, report.value, deps.now());
    return c.body(null, 204);
  });
  return app;
}

/** Requests/s, success rate and latency quantiles of one service, per version, over a window. */
export function signalRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'get',
    path: '/v1/meshes/{mesh}/services/{namespace}/{host}/signals',
    summary: 'Golden signals of a service as its clients see it: requests/s, success rate, p50/p95/p99 latency, per version',
    request: { params: z.object({ mesh: z.string(), namespace: z.string(), host: z.string() }), query: z.object({ window: z.string().optional().describe(`Seconds, ${MIN_WINDOW_SECONDS}–${MAX_WINDOW_SECONDS} (default ${DEFAULT_WINDOW_SECONDS})`) }) },
    responses: { 200: { description: 'Signals', content: { 'application/json': { schema: ServiceSignalsSchema } } }, ...problemResponses, ...notCollected },
  });
  app.get('/v1/meshes/:mesh/services/:namespace/:host/signals', async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const host = serviceHost(c.req.param('namespace'), c.req.param('host'));
    const raw = c.req.query('window') ?? String(DEFAULT_WINDOW_SECONDS);
    const window = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!(window >= MIN_WINDOW_SECONDS && window <= MAX_WINDOW_SECONDS)) throw badRequest(`window must be whole seconds from ${MIN_WINDOW_SECONDS} to ${MAX_WINDOW_SECONDS}.`, [{ path: 'window', message: `must be ${MIN_WINDOW_SECONDS}–${MAX_WINDOW_SECONDS}` }]);
    return respond(c, await requireSignals(deps).read(tenantId, mesh.name, host, window, deps.now()));
  });
  return app;
}
