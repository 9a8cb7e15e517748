import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ApiLimits } from './dependencies.ts';
import { HttpProblemError } from './problem.ts';
import { MAX_KUBERNETES_NAMESPACE_BYTES } from '../core/registry/kubernetes-source.ts';

/** Any body not listed below: mesh settings, join-token, rollback, attestation and API-key requests. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** A gateway credential: three PEM fields of at most 64 KiB each, JSON-escaped. */
export const MAX_CREDENTIAL_BYTES = 256 * 1024;
/** A CSR in JSON: a few kilobytes at most. */
export const MAX_CERTIFICATE_REQUEST_BYTES = 16 * 1024;

interface BodyRule {
  method: string;
  path: RegExp;
  maxBytes: (limits: ApiLimits) => number;
  what: string;
  hint?: string;
}

const RULES: readonly BodyRule[] = [
  { method: 'POST', path: /^\/v1\/meshes\/[^/]+\/apply$/, maxBytes: (l) => l.maxApplyBytes, what: 'An apply', hint: '; split it into several' },
  { method: 'PUT', path: /^\/v1\/meshes\/[^/]+\/resources\//, maxBytes: (l) => l.maxResourceBytes, what: 'A single resource' },
  { method: 'PUT', path: /^\/v1\/meshes\/[^/]+\/credentials\//, maxBytes: () => MAX_CREDENTIAL_BYTES, what: 'A credential upload' },
  { method: 'PUT', path: /^\/v1\/meshes\/[^/]+\/registry-sources\//, maxBytes: () => MAX_KUBERNETES_NAMESPACE_BYTES, what: "A cluster agent's namespace" },
  { method: 'POST', path: /^\/v1\/meshes\/[^/]+\/certificates$/, maxBytes: () => MAX_CERTIFICATE_REQUEST_BYTES, what: 'A certificate request' },
];

/** The largest body `method path` accepts and how a refusal names it. */
export function bodyLimitFor(limits: ApiLimits, method: string, path: string): { maxBytes: number; what: string; hint: string } {
  const rule = RULES.find((r) => r.method === method && r.path.test(path));
  if (!rule) return { maxBytes: DEFAULT_MAX_BODY_BYTES, what: `The body of ${method} ${path.slice(0, 200)}`, hint: '' };
  return { maxBytes: rule.maxBytes(limits), what: rule.what, hint: rule.hint ?? '' };
}

/**
 * One limit for every route, applied before any handler runs: a declared Content-Length over the
 * limit is refused with 413 without reading the body, and a chunked body is cut off at the limit.
 */
export function bodyLimits(limits: ApiLimits): MiddlewareHandler {
  return async (c, next) => {
    const { maxBytes, what, hint } = bodyLimitFor(limits, c.req.method, c.req.path);
    const limit = bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw new HttpProblemError(413, 'Request too large', `${what} may be at most ${maxBytes} bytes${hint}.`);
      },
    });
    return limit(c, next);
  };
}
