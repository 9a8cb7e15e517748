import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { createJoinToken, MAX_JOIN_TOKEN_TTL_SECONDS } from '../../core/identity/join-token.ts';
import { ValidationError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readValidated } from '../body.ts';
import { documented, problemResponses, unavailableResponses } from '../openapi.ts';
import { requireMesh } from './meshes.ts';
import { identityFor, requireIssuing } from './certificate-issuing.ts';

const JoinTokenRequestSchema = z
  .strictObject({
    namespace: z.string().max(63),
    serviceAccount: z.string().max(63),
    ttlSeconds: z.number().int().min(1).max(MAX_JOIN_TOKEN_TTL_SECONDS).default(3600).describe('Lifetime of the token (default 1 h, at most 24 h)'),
  })
  .meta({ id: 'JoinTokenRequest' });

const JoinTokenSchema = z
  .object({
    token: z.string().describe('Pass as `Authorization: Bearer <token>` to POST /v1/meshes/{mesh}/certificates, once'),
    tokenId: z.string(),
    expiresAt: z.string(),
    spiffeId: z.string().describe('The identity a certificate bought with this token will carry'),
  })
  .meta({ id: 'JoinToken' });

export function joinTokenRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  documented(app, {
    method: 'post',
    path: '/v1/meshes/{mesh}/join-tokens',
    summary: "A single-use, short-lived token that pays for one workload's first certificate",
    request: { params: z.object({ mesh: z.string() }), body: { content: { 'application/json': { schema: JoinTokenRequestSchema } } } },
    responses: { 201: { description: 'Issued', content: { 'application/json': { schema: JoinTokenSchema } } }, ...problemResponses, ...unavailableResponses },
  });
  app.post('/v1/meshes/:mesh/join-tokens', async (c) => {
    const issuing = requireIssuing(deps);
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh'));
    const body = await readValidated(c, JoinTokenRequestSchema);
    const created = createJoinToken(issuing.joinTokenSecrets[0]!, { tenant: tenantId, mesh: mesh.name, namespace: body.namespace, serviceAccount: body.serviceAccount }, body.ttlSeconds, deps.now());
    if (!created.ok) throw new ValidationError('The join token request is not valid.', created.errors);
    const { claims, token } = created.value;
    const { spiffeId } = identityFor(tenantId, mesh, claims);
    c.get('logger').info({ mesh: mesh.name, tokenId: claims.jti, namespace: claims.namespace, serviceAccount: claims.serviceAccount }, 'join token issued');
    return c.json({ token, tokenId: claims.jti, expiresAt: new Date(claims.exp * 1000).toISOString(), spiffeId }, 201);
  });
  return app;
}
