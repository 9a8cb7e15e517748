import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  EcsRoleInputSchema,
  EksClusterInputSchema,
  roleKey,
  type AttestationRegistry,
  type EcsRoleRegistration,
  type EksClusterRegistration,
  type RegistryKind,
} from '../../core/identity/attestation/registrations.ts';
import { isDnsLabel } from '../../core/identity/dns-label.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { FieldError } from '../../core/result.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { readValidated } from '../body.ts';
import { conflictResponses, documented, problemResponses } from '../openapi.ts';
import { badRequest } from '../problem.ts';
import { respond } from '../respond.ts';
import { readRegistry } from '../../core/identity/attestation/registrations.ts';
import { updateRegistry } from '../attestation/registry-store.ts';
import { requireMesh } from './meshes.ts';

const stamps = { name: z.string(), createdAt: z.string(), updatedAt: z.string() };
const EksClusterSchema = z.object({ ...stamps, issuer: z.string(), jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(), jwksUri: z.string().optional(), audience: z.string(), namespaces: z.array(z.string()).optional() }).meta({ id: 'EksClusterRegistration' });
const EcsRoleSchema = z.object({ ...stamps, roleArn: z.string(), namespace: z.string(), serviceAccount: z.string() }).meta({ id: 'EcsRoleRegistration' });

function registrationName(value: string): string {
  if (!isDnsLabel(value)) throw badRequest(`Registration name "${value.slice(0, 80)}" is not a DNS label.`, [{ path: 'name', message: 'must be a DNS label' }]);
  return value;
}

/** Inline keys must be usable public keys: a private key is refused rather than stored. */
function checkInlineKeys(keys: readonly Record<string, unknown>[] | undefined): void {
  const errors: FieldError[] = [];
  keys?.forEach((jwk, i) => {
    if ('d' in jwk || 'p' in jwk) errors.push({ path: `jwks.keys[${i}]`, message: 'is a private key; register only the public keys (remove d, p, q, dp, dq, qi)' });
    else {
      try {
        createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      } catch (err) {
        errors.push({ path: `jwks.keys[${i}]`, message: `is not a usable public key: ${(err as Error).message}` });
      }
    }
  });
  if (errors.length > 0) throw new ValidationError('The JWKS is not valid.', errors);
}

interface KindSpec<I, R> {
  kind: RegistryKind;
  segment: string;
  label: string;
  input: z.ZodType<I>;
  output: z.ZodType;
  check: (input: I) => void;
  /** A registration that would make lookups ambiguous. */
  clash: (registry: AttestationRegistry, name: string, input: I) => string | undefined;
  view: (r: R) => unknown;
}

const EKS: KindSpec<z.infer<typeof EksClusterInputSchema>, EksClusterRegistration> = {
  kind: 'eksClusters',
  segment: 'eks-clusters',
  label: 'EKS cluster',
  input: EksClusterInputSchema,
  output: EksClusterSchema,
  check: (input) => checkInlineKeys(input.jwks?.keys),
  clash: (registry, name, input) => Object.values(registry.eksClusters).find((c) => c.name !== name && c.issuer === input.issuer)?.name,
  view: (r) => r,
};

const ECS: KindSpec<z.infer<typeof EcsRoleInputSchema>, EcsRoleRegistration> = {
  kind: 'ecsRoles',
  segment: 'ecs-roles',
  label: 'ECS role',
  input: EcsRoleInputSchema,
  output: EcsRoleSchema,
  check: () => undefined,
  clash: (registry, name, input) => Object.values(registry.ecsRoles).find((r) => r.name !== name && roleKey(r.roleArn) === roleKey(input.roleArn))?.name,
  view: (r) => r,
};

function register<I extends object, R>(app: OpenAPIHono<ApiEnv>, deps: ApiDependencies, spec: KindSpec<I, R>): void {
  const base = `/v1/meshes/{mesh}/attestation/${spec.segment}`;
  const params = z.object({ mesh: z.string(), name: z.string() });
  documented(app, {
    method: 'put',
    path: `${base}/{name}`,
    summary: `Register (or replace) an ${spec.label} whose workloads may get certificates without a join token`,
    request: { params, body: { content: { 'application/json': { schema: spec.input } } } },
    responses: { 200: { description: 'Replaced', content: { 'application/json': { schema: spec.output } } }, 201: { description: 'Registered', content: { 'application/json': { schema: spec.output } } }, ...problemResponses, ...conflictResponses },
  });
  documented(app, { method: 'get', path: base, summary: `List the mesh's ${spec.label} registrations`, request: { params: z.object({ mesh: z.string() }) }, responses: { 200: { description: 'Registrations', content: { 'application/json': { schema: z.object({ items: z.array(spec.output) }) } } }, ...problemResponses } });
  documented(app, { method: 'get', path: `${base}/{name}`, summary: `Read an ${spec.label} registration`, request: { params }, responses: { 200: { description: 'The registration', content: { 'application/json': { schema: spec.output } } }, ...problemResponses } });
  documented(app, { method: 'delete', path: `${base}/{name}`, summary: `Remove an ${spec.label} registration (certificates already issued stay valid until they expire)`, request: { params }, responses: { 204: { description: 'Removed' }, ...problemResponses, ...conflictResponses } });

  const path = `/v1/meshes/:mesh/attestation/${spec.segment}`;
  app.put(`${path}/:name`, async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh') ?? '');
    const name = registrationName(c.req.param('name') ?? '');
    const input = await readValidated(c, spec.input);
    spec.check(input);
    const at = deps.now().toISOString();
    const { stored, created } = await updateRegistry(deps.store, tenantId, mesh.name, (registry) => {
      const other = spec.clash(registry, name, input);
      if (other) throw new ConflictError(`${spec.label} "${other}" of mesh "${mesh.name}" already has this ${spec.kind === 'eksClusters' ? 'issuer' : 'role'}; one registration per ${spec.kind === 'eksClusters' ? 'issuer' : 'role'}.`);
      const entries = registry[spec.kind] as Record<string, { createdAt: string }>;
      const previous = entries[name];
      const record = { ...input, name, createdAt: previous?.createdAt ?? at, updatedAt: at };
      return { registry: { ...registry, [spec.kind]: { ...entries, [name]: record } }, result: { stored: record as unknown as R, created: !previous } };
    });
    return respond(c, spec.view(stored), created ? 201 : 200);
  });
  app.get(path, async (c) => {
    const mesh = await requireMesh(deps, c.get('principal').tenantId, c.req.param('mesh') ?? '');
    const entries = Object.values(readRegistry(mesh.settings)[spec.kind]) as R[];
    return respond(c, { items: entries.sort((a, b) => String((a as { name: string }).name).localeCompare((b as { name: string }).name)).map(spec.view) });
  });
  app.get(`${path}/:name`, async (c) => {
    const mesh = await requireMesh(deps, c.get('principal').tenantId, c.req.param('mesh') ?? '');
    const name = registrationName(c.req.param('name') ?? '');
    const found = (readRegistry(mesh.settings)[spec.kind] as Record<string, R>)[name];
    if (!found) throw new NotFoundError(`Mesh "${mesh.name}" has no ${spec.label} "${name}".`);
    return respond(c, spec.view(found));
  });
  app.delete(`${path}/:name`, async (c) => {
    const { tenantId } = c.get('principal');
    const mesh = await requireMesh(deps, tenantId, c.req.param('mesh') ?? '');
    const name = registrationName(c.req.param('name') ?? '');
    await updateRegistry(deps.store, tenantId, mesh.name, (registry) => {
      const { [name]: removed, ...rest } = registry[spec.kind] as Record<string, unknown>;
      if (!removed) throw new NotFoundError(`Mesh "${mesh.name}" has no ${spec.label} "${name}".`);
      return { registry: { ...registry, [spec.kind]: rest }, result: undefined };
    });
    return c.body(null, 204);
  });
}

/** Trust sources of platform attestation: EKS clusters (OIDC issuers) and ECS task roles. */
export function attestationRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  register(app, deps, EKS);
  register(app, deps, ECS);
  return app;
}
