import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  ConflictError,
  ForbiddenError,
  LimitExceededError,
  NotFoundError,
  PreconditionFailedError,
  TrellisError,
  UnauthorizedError,
  ValidationError,
} from '../core/errors.ts';
import type { FieldError } from '../core/result.ts';

/** An error that already knows its HTTP answer (RFC 9457 problem details). */
export class HttpProblemError extends TrellisError {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

const TYPE_BASE = 'https://trellis.dev/problems/';

interface Problem {
  status: ContentfulStatusCode;
  slug: string;
  title: string;
}

function classify(err: unknown): Problem | undefined {
  if (err instanceof ValidationError) return { status: 400, slug: 'validation-failed', title: 'Validation failed' };
  if (err instanceof UnauthorizedError) return { status: 401, slug: 'unauthorized', title: 'Unauthorized' };
  if (err instanceof ForbiddenError) return { status: 403, slug: 'forbidden', title: 'Forbidden' };
  if (err instanceof NotFoundError) return { status: 404, slug: 'not-found', title: 'Not found' };
  if (err instanceof ConflictError) return { status: 409, slug: 'conflict', title: 'Conflict' };
  if (err instanceof PreconditionFailedError) return { status: 412, slug: 'precondition-failed', title: 'Precondition failed' };
  if (err instanceof LimitExceededError) return { status: 413, slug: 'too-large', title: 'Request too large' };
  return undefined;
}

/** Maps any thrown error to an `application/problem+json` response; unknown errors become 500 without internals. */
export function problemResponse(c: Context, err: unknown): Response {
  let status: ContentfulStatusCode;
  let title: string;
  let type: string;
  let detail: string;
  let errors: FieldError[] | undefined;
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (err instanceof HttpProblemError) {
    status = err.status;
    title = err.title;
    type = TYPE_BASE + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    detail = err.message;
    errors = err.errors;
    Object.assign(headers, err.headers);
  } else {
    const known = classify(err);
    if (known) {
      status = known.status;
      title = known.title;
      type = TYPE_BASE + known.slug;
      detail = (err as Error).message;
      if (err instanceof ValidationError) errors = err.errors;
      if (err instanceof PreconditionFailedError && err.currentVersion) headers.etag = `"${err.currentVersion}"`;
    } else {
      status = 500;
      title = 'Internal error';
      type = TYPE_BASE + 'internal';
      detail = 'The request failed unexpectedly; nothing was changed. Retry, and report the request id if it persists.';
    }
  }
  const body: Record<string, unknown> = { type, title, status, detail, instance: c.req.path };
  if (errors) body.errors = errors;
  const requestId = c.get('requestId' as never) as string | undefined;
  if (requestId) body.requestId = requestId;
  return c.body(JSON.stringify(body), status, headers);
}

export function badRequest(detail: string, errors?: FieldError[]): HttpProblemError {
  return new HttpProblemError(400, 'Bad request', detail, errors);
}
