import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { stringify } from 'yaml';

/** JSON by default; YAML when the client asks for it (`Accept: application/yaml`). */
export function respond(c: Context, body: unknown, status: ContentfulStatusCode = 200): Response {
  const accept = c.req.header('accept') ?? '';
  if (/\b(application|text)\/(x-)?yaml\b/.test(accept)) {
    return c.body(stringify(body), status, { 'content-type': 'application/yaml; charset=utf-8' });
  }
  return c.json(body, status);
}
