import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import { MESH_NAME } from '../core/mesh/mesh-settings.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

/** What any authenticated operation can answer. */
export const problemResponses = {
  400: problem('Invalid request; `errors` lists each field'),
  401: problem('Missing or invalid API key'),
  404: problem('Not found (or not visible to this tenant)'),
} as const;

/** Operator endpoints, for any key but the admin key. */
export const forbiddenResponses = { 403: problem('This operation needs the operator admin key') } as const;

/** A write that can lose a race with another (retry), or meet a duplicate. */
export const conflictResponses = { 409: problem('Conflicts with the current state; `detail` says how to resolve it') } as const;

/** A write that honours `If-Match` / `If-None-Match: *` / `metadata.resourceVersion`. */
export const preconditionResponses = { 412: problem('Stale If-Match / resourceVersion, or If-None-Match: * on an existing object') } as const;

/** A route that needs a part this deployment may not have configured. */
export const unavailableResponses = { 503: problem('Not configured in this deployment, or briefly unavailable (see Retry-After)') } as const;

/** Every operation with a body: the body limit and the accepted media types. */
const bodyResponses = {
  413: problem('Body too large; `detail` names the limit'),
  415: problem('Unsupported Content-Type'),
} as const;

// Path parameters of these names are checked the same way on every route that has them.
const DNS_LABEL_DESCRIPTION = "DNS label: lower-case letters, digits and '-', at most 63";
const PATH_PARAMETERS: Record<string, z.ZodType> = {
  mesh: z.string().regex(MESH_NAME).meta({ description: `Mesh name (${DNS_LABEL_DESCRIPTION})` }),
  namespace: z.string().regex(MESH_NAME).meta({ description: `Namespace (${DNS_LABEL_DESCRIPTION})` }),
  name: z.string().regex(MESH_NAME).meta({ description: `Name (${DNS_LABEL_DESCRIPTION})` }),
  tenant: z.string().regex(MESH_NAME).meta({ description: `Tenant id (${DNS_LABEL_DESCRIPTION})` }),
  keyId: z.string().regex(/^[0-9a-f]{16}$/).meta({ description: 'API key id: 16 hex digits' }),
  revision: z.string().regex(/^[1-9][0-9]{0,15}$/).meta({ description: 'Revision number, from 1' }),
};

type RouteParams = NonNullable<NonNullable<RouteConfig['request']>['params']>;

function withPathPatterns(params: RouteParams): RouteParams {
  if (!(params instanceof z.ZodObject)) return params;
  return z.object(Object.fromEntries(Object.entries(params.shape).map(([key, schema]) => [key, PATH_PARAMETERS[key] ?? schema])));
}

/**
 * Registers a path in the OpenAPI document. Handlers parse bodies themselves (JSON and YAML
 * share one path to the same zod schemas), so the registry is used for documentation only.
 * Named path parameters get the patterns the handlers enforce; operations with a body get 413 and 415.
 */
export function documented(app: OpenAPIHono<never> | OpenAPIHono<any>, route: RouteConfig): void { // eslint-disable-line @typescript-eslint/no-explicit-any -- any app env
  const request = route.request?.params ? { ...route.request, params: withPathPatterns(route.request.params) } : route.request;
  const responses = route.request?.body ? { ...route.responses, ...bodyResponses } : route.responses;
  app.openAPIRegistry.registerPath({ security: [{ bearer: [] }], ...route, ...(request ? { request } : {}), responses });
}
