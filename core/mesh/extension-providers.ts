import { z } from 'zod';
import { duration, service } from './provider-fields.ts';
import { TELEMETRY_PROVIDER_FIELDS, TELEMETRY_PROVIDER_KINDS } from './telemetry-providers.ts';

const headerName = z.string().min(1).max(256).regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name');
/** Header names as AuthorizationPolicy matches them: exact, `prefix*` or `*suffix`. */
const headerPattern = z.string().min(1).max(256).regex(/^\*?[A-Za-z0-9!#$%&'+.^_`|~-]+\*?$/, 'must be a header name, `prefix*` or `*suffix`').refine((v) => !(v.startsWith('*') && v.endsWith('*')), 'a wildcard either starts or ends the name');
const headerPatterns = z.array(headerPattern).max(64);

const requestBody = z.strictObject({
  maxRequestBytes: z.number().int().min(1).max(64 * 1024 * 1024),
  allowPartialMessage: z.boolean().optional(),
  packAsBytes: z.boolean().optional(),
});

// The codes of Envoy's envoy.type.v3.StatusCode, the only ones status_on_error takes.
const STATUS_CODES = new Set(
  [100, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, ...Array.from({ length: 18 }, (_, i) => 400 + i), 421, 422, 423, 424, 426, 428, 429, 431, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511].map(String),
);

const common = {
  service,
  port: z.number().int().min(1).max(65_535),
  timeout: duration.optional().describe('How long the proxy waits for a decision; default 600s'),
  failOpen: z.boolean().optional().describe('Let requests through when the authorizer cannot be reached or errs; default false'),
  statusOnError: z
    .string()
    .refine((v) => STATUS_CODES.has(v), 'must be an HTTP status code Envoy knows (e.g. 403, 500, 503)')
    .optional().describe('Status sent when the authorizer cannot be reached and failOpen is false; default 403'),
  includeRequestBodyInCheck: requestBody.optional(),
  clearRouteCache: z.boolean().optional(),
};

export const ExtAuthzHttpSchema = z.strictObject({
  ...common,
  pathPrefix: z.string().max(1024).regex(/^\/[^\s?#]*$/, 'must be a path starting with /').optional(),
  includeRequestHeadersInCheck: headerPatterns.optional(),
  includeAdditionalHeadersInCheck: z.record(headerName, z.string().max(4096)).optional(),
  headersToUpstreamOnAllow: headerPatterns.optional(),
  headersToDownstreamOnDeny: headerPatterns.optional(),
  headersToDownstreamOnAllow: headerPatterns.optional(),
});

export const ExtAuthzGrpcSchema = z.strictObject(common);

const PROVIDER_KINDS = ['envoyExtAuthzHttp', 'envoyExtAuthzGrpc', ...TELEMETRY_PROVIDER_KINDS] as const;

/** One kind per provider, as in Istio; a strict object (not a union) so an unknown field is named in the error. */
export const ExtensionProviderSchema = z
  .strictObject({
    name: z.string().min(1).max(253),
    envoyExtAuthzHttp: ExtAuthzHttpSchema.optional(),
    envoyExtAuthzGrpc: ExtAuthzGrpcSchema.optional(),
    ...TELEMETRY_PROVIDER_FIELDS,
  })
  .superRefine((p, ctx) => {
    const kinds = PROVIDER_KINDS.filter((k) => p[k] !== undefined).length;
    if (kinds !== 1) ctx.addIssue({ code: 'custom', message: `set exactly one of ${PROVIDER_KINDS.join(', ')}` });
  })
  .meta({ id: 'ExtensionProvider', description: 'An external authorizer (AuthorizationPolicy action CUSTOM) or a telemetry backend (Telemetry providers, defaultProviders).' });

export const ExtensionProvidersSchema = z
  .array(ExtensionProviderSchema)
  .max(64)
  .superRefine((providers, ctx) => {
    const seen = new Set<string>();
    providers.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `provider "${p.name}" is defined twice` });
      seen.add(p.name);
    });
  });

export type ExtensionProvider = z.infer<typeof ExtensionProviderSchema>;
export type ExtAuthzHttp = z.infer<typeof ExtAuthzHttpSchema>;
export type ExtAuthzGrpc = z.infer<typeof ExtAuthzGrpcSchema>;
