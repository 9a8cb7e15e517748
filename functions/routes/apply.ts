import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { parseResource } from '../../core/resources/index.ts';
import { keyOf, keyString, type IstioResource } from '../../core/resources/resource.ts';
import { sameContent } from '../../core/store/resource-content.ts';
import type { ChangeAction } from '../../core/store/config-store.ts';
import { ValidationError } from '../../core/errors.ts';
import type { FieldError } from '../../core/result.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readDocuments } from '../body.ts';
import { badRequest } from '../problem.ts';
import { requireMesh } from './meshes.ts';
import { documented, problemResponses } from '../openapi.ts';
import { respond } from '../respond.ts';
import { checkMeshConfig } from '../mesh-validation.ts';
import { changeWarnings, refuseIfStrict, strictParam, WarningSchema } from '../analysis-warnings.ts';

export const ApplyResultSchema = z
  .object({
    dryRun: z.boolean(),
    revision: z.number().int().describe('The new revision, or the unchanged head'),
    created: z.boolean().describe('Whether a new revision was created'),
    results: z.array(
      z.object({
        kind: z.string(),
        namespace: z.string(),
        name: z.string(),
        action: z.enum(['created', 'updated', 'unchanged']),
      }),
    ),
    proxies: z
      .object({
        proxiesAffected: z.number().int(),
        groups: z.array(
          z.object({
            group: z.string(),
            kind: z.string(),
            namespace: z.string(),
            proxies: z.number().int(),
            changes: z.array(z.object({ type: z.enum(['cds', 'eds', 'lds', 'rds', 'sds']), name: z.string(), action: z.enum(['added', 'changed', 'removed']), diff: z.array(z.string()).optional() })),
          }),
        ),
      })
      .optional()
      .describe('Dry run only: for each connected proxy group, the Envoy resources the change would add, change or remove, with field-level diffs'),
    warnings: z.array(WarningSchema).describe('Analyzer findings about the applied resources; `?strict=true` turns them into a 400'),
  })
  .meta({ id: 'ApplyResult' });

type Action = ChangeAction | 'unchanged';

export function applyRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'post',
    path: '/v1/meshes/{mesh}/apply',
    summary: 'Apply many resources at once, all or nothing, as one revision',
    description:
      'Body: a multi-document YAML stream, a JSON list, or a Kubernetes List. `?dryRun=true` validates and reports what would change without storing anything. ' +
      'Analyzer findings about the applied resources come back as `warnings` and never block the apply, unless `?strict=true`, which answers 400 with them as `errors` and stores nothing.',
    request: {
      params: z.object({ mesh: z.string() }),
      query: z.object({ dryRun: z.enum(['true', 'false']).optional(), strict: z.enum(['true', 'false']).optional() }),
      body: { content: { 'application/yaml': { schema: z.string() }, 'application/json': { schema: z.array(z.record(z.string(), z.unknown())) } } },
    },
    responses: { 200: { description: 'Applied', content: { 'application/json': { schema: ApplyResultSchema } } }, ...problemResponses },
  });

  app.post(
    '/v1/meshes/:mesh/apply',
    async (c) => {
      const { tenantId, keyId } = c.get('principal');
      const dryRunParam = c.req.query('dryRun');
      if (dryRunParam !== undefined && dryRunParam !== 'true' && dryRunParam !== 'false') throw badRequest('dryRun must be true or false.');
      const dryRun = dryRunParam === 'true';
      const strict = strictParam(c.req.query('strict'));
      const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
      const docs = await readDocuments(c, deps.limits.maxApplyDocuments);
      if (docs.length === 0) throw badRequest('The body holds no documents.');

      const errors: FieldError[] = [];
      const resources: IstioResource[] = [];
      const seen = new Map<string, number>();
      docs.forEach((doc, i) => {
        const parsed = parseResource(doc);
        if (!parsed.ok) {
          errors.push(...parsed.errors.map((e) => ({ path: `[${i}].${e.path}`, message: e.message })));
          return;
        }
        const k = keyString(keyOf(parsed.value));
        const first = seen.get(k);
        if (first !== undefined) {
          errors.push({ path: `[${i}].metadata.name`, message: `${k} appears twice (also document [${first}])` });
          return;
        }
        seen.set(k, i);
        resources.push(parsed.value);
      });
      if (errors.length > 0) throw new ValidationError(`${errors.length} problem(s) in the applied documents; nothing was stored.`, errors);
      const after = await checkMeshConfig(deps.store, tenantId, mesh.name, resources);
      const warnings = changeWarnings(after, resources.map(keyOf), seen);
      refuseIfStrict(strict, warnings);

      const describe = (r: IstioResource, action: Action) => ({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name, action });
      if (dryRun) {
        const results = await Promise.all(
          resources.map(async (r) => {
            const current = await deps.store.getResource(tenantId, mesh.name, keyOf(r));
            const action: Action = !current ? 'created' : sameContent(current, r) ? 'unchanged' : 'updated';
            return describe(r, action);
          }),
        );
        // Per proxy group, the Envoy resources the change would add, change or remove (where the translation runs in process).
        const proxies = deps.proxies?.preview ? await deps.proxies.preview(tenantId, mesh.name, after) : undefined;
        return respond(c, { dryRun: true, revision: mesh.revision, created: false, results, warnings, ...(proxies ? { proxies } : {}) });
      }

      const result = await deps.store.commit({
        tenantId,
        mesh: mesh.name,
        author: `key:${keyId}`,
        message: c.req.header('x-trellis-change-message')?.slice(0, 500),
        changes: resources.map((resource) => ({
          op: 'put' as const,
          resource,
          ...(resource.metadata.resourceVersion !== undefined ? { expectedVersion: resource.metadata.resourceVersion } : {}),
        })),
      });
      if (result.created) await deps.publish({ tenantId, mesh: mesh.name, revision: result.revision, reason: 'commit' });
      const actions = new Map(result.changes.map((ch) => [keyString(ch), ch.action]));
      c.header('x-trellis-revision', String(result.revision));
      return respond(c, {
        dryRun: false,
        revision: result.revision,
        created: result.created,
        results: resources.map((r) => describe(r, actions.get(keyString(keyOf(r))) ?? 'unchanged')),
        warnings,
      });
    },
  );
  return app;
}
