import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { keyOf, keyString, type IstioResource } from '../../core/resources/resource.ts';
import { sameContent } from '../../core/store/resource-content.ts';
import { MESH_NAME } from '../../core/mesh/mesh-settings.ts';
import type { ChangeAction } from '../../core/store/config-store.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readDocuments } from '../body.ts';
import { badRequest } from '../problem.ts';
import { requireMesh } from './meshes.ts';
import { conflictResponses, documented, preconditionResponses, problemResponses } from '../openapi.ts';
import { respond } from '../respond.ts';
import { checkMeshConfig } from '../mesh-validation.ts';
import { changeWarnings, refuseIfStrict, strictParam, WarningSchema } from '../analysis-warnings.ts';
import { ignoreUnknownKindsParam, namespaceParam, readApplyDocuments, SkippedSchema } from '../apply-documents.ts';

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
    skipped: z.array(SkippedSchema).optional().describe('With `ignoreUnknownKinds=true`: the objects left out because Trellis does not manage their kind'),
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
      'Analyzer findings about the applied resources come back as `warnings` and never block the apply, unless `?strict=true`, which answers 400 with them as `errors` and stores nothing. ' +
      'Objects that name no namespace go to `?namespace=` (default `default`); objects that name one keep it. ' +
      'Objects that are not mesh configuration (Deployments, Services, Gateway API kinds…) are refused with their document index unless `?ignoreUnknownKinds=true`, which skips them and lists them as `skipped`; ' +
      'Istio kinds Trellis does not serve (such as WasmPlugin) are always refused as unsupported.',
    request: {
      params: z.object({ mesh: z.string() }),
      query: z.object({
        dryRun: z.enum(['true', 'false']).optional(),
        strict: z.enum(['true', 'false']).optional(),
        namespace: z.string().regex(MESH_NAME).optional().meta({ description: 'Namespace for objects whose metadata names none (like `kubectl apply -n`); objects that name one keep it. Default `default`.' }),
        ignoreUnknownKinds: z.enum(['true', 'false']).optional().meta({ description: 'Skip objects Trellis does not manage (listed as `skipped`) instead of refusing the apply; unsupported Istio kinds are refused regardless.' }),
      }),
      body: { content: { 'application/yaml': { schema: z.string() }, 'application/json': { schema: z.array(z.record(z.string(), z.unknown())) } } },
    },
    responses: { 200: { description: 'Applied', content: { 'application/json': { schema: ApplyResultSchema } } }, ...problemResponses, ...conflictResponses, ...preconditionResponses },
  });

  app.post(
    '/v1/meshes/:mesh/apply',
    async (c) => {
      const { tenantId, keyId } = c.get('principal');
      const dryRunParam = c.req.query('dryRun');
      if (dryRunParam !== undefined && dryRunParam !== 'true' && dryRunParam !== 'false') throw badRequest('dryRun must be true or false.');
      const dryRun = dryRunParam === 'true';
      const strict = strictParam(c.req.query('strict'));
      const namespace = namespaceParam(c.req.query('namespace'));
      const ignoreUnknownKinds = ignoreUnknownKindsParam(c.req.query('ignoreUnknownKinds'));
      const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
      const docs = await readDocuments(c, deps.limits.maxApplyDocuments);
      if (docs.length === 0) throw badRequest('The body holds no documents.');

      const { resources, seen, skipped } = readApplyDocuments(docs, { ...(namespace !== undefined ? { namespace } : {}), ignoreUnknownKinds });
      const skippedField = ignoreUnknownKinds ? { skipped } : {};
      if (resources.length === 0) return respond(c, { dryRun, revision: mesh.revision, created: false, results: [], warnings: [], ...skippedField });
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
        return respond(c, { dryRun: true, revision: mesh.revision, created: false, results, warnings, ...skippedField, ...(proxies ? { proxies } : {}) });
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
        ...skippedField,
      });
    },
  );
  return app;
}
