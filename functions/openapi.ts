import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';

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

export const problemResponses = {
  400: problem('Invalid request; `errors` lists each field'),
  401: problem('Missing or invalid API key'),
  404: problem('Not found (or not visible to this tenant)'),
  412: problem('Stale If-Match / resourceVersion'),
  413: problem('Body too large'),
} as const;

/**
 * Registers a path in the OpenAPI document. Handlers parse bodies themselves (JSON and YAML
 * share one path to the same zod schemas), so the registry is used for documentation only.
 */
export function documented(app: OpenAPIHono<never> | OpenAPIHono<any>, route: RouteConfig): void { // eslint-disable-line @typescript-eslint/no-explicit-any -- any app env
  app.openAPIRegistry.registerPath({ security: [{ bearer: [] }], ...route });
}
