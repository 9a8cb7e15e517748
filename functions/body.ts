import type { Context } from 'hono';
import type { z } from 'zod';
import { parseDocuments } from '../core/resources/index.ts';
import { ValidationError } from '../core/errors.ts';
import type { FieldError } from '../core/result.ts';
import { HttpProblemError, badRequest } from './problem.ts';

const ACCEPTED_TYPES = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/merge-patch+json'];

function requireContentType(c: Context): void {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_TYPES.includes(type)) {
    throw new HttpProblemError(415, 'Unsupported media type', `Send the body as application/json or application/yaml (got ${type || 'no content type'}).`);
  }
}

/** Every document of a JSON or multi-document YAML body (size limits: body-limits.ts, before any route). */
export async function readDocuments(c: Context, maxDocuments: number): Promise<unknown[]> {
  requireContentType(c);
  const text = await c.req.text();
  if (text.trim() === '') throw badRequest('The request body is empty.');
  const parsed = parseDocuments(text, { maxDocuments });
  if (!parsed.ok) throw new ValidationError('The body is not valid YAML or JSON.', parsed.errors);
  return parsed.value;
}

/** Exactly one object (not a list): the body of a single-resource request. */
export async function readDocument(c: Context): Promise<unknown> {
  requireContentType(c);
  const text = await c.req.text();
  if (text.trim() === '') throw badRequest('The request body is empty.');
  if (text.trimStart().startsWith('[')) throw badRequest('Expected one document (an object), got a list; use POST /v1/meshes/{mesh}/apply for several.');
  // Two, so "more than one" is reported as such rather than as a parse limit.
  const parsed = parseDocuments(text, { maxDocuments: 2 });
  if (!parsed.ok) throw new ValidationError('The body is not valid YAML or JSON.', parsed.errors);
  if (parsed.value.length !== 1) throw badRequest(`Expected one document, got ${parsed.value.length}; use POST /v1/meshes/{mesh}/apply for several.`);
  return parsed.value[0];
}

/** Converts zod issues to field errors with paths such as `spec.http[0].route`. */
export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    let path = prefix;
    for (const segment of issue.path) {
      if (typeof segment === 'number') path += `[${segment}]`;
      else path += path ? `.${String(segment)}` : String(segment);
    }
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
    if (keys?.length) {
      return { path: path ? `${path}.${keys[0]}` : keys[0]!, message: `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''}` };
    }
    return { path: path || '(root)', message: issue.message };
  });
}

/** A body validated against a zod schema; 400 with field paths otherwise. */
export async function readValidated<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const doc = await readDocument(c);
  const result = schema.safeParse(doc);
  if (!result.success) throw new ValidationError('The body is not valid.', fieldErrors(result.error));
  return result.data;
}

/** An optional JSON body for small POSTs; `{}` when the body is empty. */
export async function readOptionalValidated<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const length = c.req.header('content-length');
  if (length === '0' || (!length && !c.req.header('content-type'))) {
    const result = schema.safeParse({});
    if (!result.success) throw new ValidationError('The body is not valid.', fieldErrors(result.error));
    return result.data;
  }
  return readValidated(c, schema);
}
