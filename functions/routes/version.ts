import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import type { ApiEnv } from '../context.ts';
import { documented } from '../openapi.ts';

const VersionSchema = z
  .object({
    version: z.string().describe('Trellis release of this server'),
    api: z.literal('v1').describe('The REST API version under /v1'),
  })
  .meta({ id: 'Version' });

/** `GET /version`: which Trellis answers; public, like /healthz, so a client can ask before it has a key. */
export function versionRoutes(): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'get',
    path: '/version',
    summary: 'The server version (no credential)',
    security: [],
    responses: { 200: { description: 'The version', content: { 'application/json': { schema: VersionSchema } } } },
  });
  app.get('/version', (c) => c.json({ version: pkg.version, api: 'v1' as const }));
  return app;
}
