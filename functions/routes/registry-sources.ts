import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { readRegistry, type EksClusterRegistration } from '../../core/identity/attestation/registrations.ts';
import { readServiceAccountToken, verifyServiceAccountToken } from '../../core/identity/attestation/service-account-token.ts';
import { isDnsLabel } from '../../core/identity/dns-label.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../../core/errors.ts';
import { kubernetesEntries, kubernetesIdPrefix, kubernetesReplica, KubernetesNamespaceInputSchema, KUBERNETES_ENTRY_TTL_MS, validateKubernetesNamespace } from '../../core/registry/kubernetes-source.ts';
import type { RegisteredWorkload, WorkloadRegistry } from '../../core/registry/index.ts';
import type { MeshRecord } from '../../core/store/config-store.ts';
import type { ApiEnv } from '../context.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { JwksSource } from '../attestation/jwks-source.ts';
import { documented, problemResponses } from '../openapi.ts';
import { HttpProblemError, badRequest } from '../problem.ts';
import { respond } from '../respond.ts';

/** The only service account of a registered cluster whose token may write its registry entries. */
export const CLUSTER_AGENT_SERVICE_ACCOUNT = 'trellis-cluster-agent';
const DEFAULT_TENANT = 'default';

const SyncResultSchema = z
  .object({
    namespace: z.string(),
    services: z.number().int(),
    endpoints: z.number().int(),
    removed: z.number().int().describe('Entries of the namespace that were not in this set'),
    changed: z.boolean().describe('Whether anything but the expiry changed (only then are the xDS replicas told)'),
    expiresAt: z.string().describe('When these entries lapse unless the agent sends the namespace again'),
  })
  .meta({ id: 'KubernetesNamespaceSync' });

type Writer = Pick<WorkloadRegistry, 'list' | 'put' | 'remove'>;

interface Attested {
  tenantId: string;
  mesh: MeshRecord;
  cluster: EksClusterRegistration;
  namespace: string;
}

/** JSON with object keys sorted: stored copies and new entries may list fields in another order. */
const canonical = (value: unknown): string =>
  Array.isArray(value) ? `[${value.map(canonical).join(',')}]` : value !== null && typeof value === 'object' ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}` : JSON.stringify(value);

/** What identifies a set of entries for change detection: everything but their expiry. */
const digest = (entries: readonly RegisteredWorkload[]) => canonical(entries.map(({ expiresAt: _e, ...rest }) => rest).sort((a, b) => (a.id < b.id ? -1 : 1)));

/**
 * Live state from a Kubernetes cluster agent: one meshed namespace's Services and ready endpoints
 * per request, replacing what the cluster sent for it before. Authenticated by the agent's own
 * projected service-account token, verified with the keys of the cluster the path names.
 */
export function registrySourceRoutes(deps: ApiDependencies): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const jwks = new JwksSource(deps.certificates?.attestation ?? {}, deps.now);
  const base = '/v1/meshes/{mesh}/registry-sources/kubernetes/{cluster}/namespaces/{namespace}';
  const params = z.object({ mesh: z.string(), cluster: z.string().describe('The EKS cluster registration the agent runs in'), namespace: z.string() });
  const security = [{ eksToken: [] }];
  documented(app, {
    method: 'put',
    path: base,
    summary: "Replace a meshed namespace's Services and ready endpoints as the cluster agent sees them (live state, not config)",
    security,
    request: { params, body: { content: { 'application/json': { schema: KubernetesNamespaceInputSchema } } } },
    responses: { 200: { description: 'Stored', content: { 'application/json': { schema: SyncResultSchema } } }, ...problemResponses },
  });
  documented(app, { method: 'delete', path: base, summary: "Remove a namespace's mirrored Services and endpoints (it was deleted or left the mesh)", security, request: { params }, responses: { 204: { description: 'Removed' }, ...problemResponses } });

  const attest = async (c: Context<ApiEnv>): Promise<Attested> => {
    const tenantId = c.req.header('trellis-tenant') ?? DEFAULT_TENANT;
    if (!isDnsLabel(tenantId)) throw new UnauthorizedError('The Trellis-Tenant header must be a tenant id (a DNS label).');
    const clusterName = c.req.param('cluster') ?? '';
    const namespace = c.req.param('namespace') ?? '';
    if (!isDnsLabel(clusterName)) throw badRequest(`Cluster "${clusterName.slice(0, 80)}" is not a DNS label.`, [{ path: 'cluster', message: 'must be a DNS label' }]);
    if (!isDnsLabel(namespace)) throw badRequest(`Namespace "${namespace.slice(0, 80)}" is not a DNS label.`, [{ path: 'namespace', message: 'must be a DNS label' }]);
    const header = c.req.header('authorization') ?? '';
    const jwt = /^EksToken (\S+)$/.exec(header)?.[1];
    if (!jwt) throw new UnauthorizedError("Send the cluster agent's projected service-account token as `Authorization: EksToken <token>`.");
    const token = readServiceAccountToken(jwt);
    if (!token.ok) throw new UnauthorizedError(`The service-account token ${token.errors[0]!.message}.`);
    const meshName = c.req.param('mesh') ?? '';
    const mesh = isDnsLabel(meshName) ? await deps.store.getMesh(tenantId, meshName) : undefined;
    const cluster = mesh ? readRegistry(mesh.settings).eksClusters[clusterName] : undefined;
    if (!mesh || !cluster) throw new UnauthorizedError(`No EKS cluster "${clusterName}" is registered for mesh "${meshName.slice(0, 80)}" of tenant "${tenantId}"; register it with PUT /v1/meshes/{mesh}/attestation/eks-clusters/${clusterName}.`);
    if (token.value.issuer !== cluster.issuer) throw new ForbiddenError(`The token was issued by ${token.value.issuer.slice(0, 200)}, not by cluster "${clusterName}" (${cluster.issuer}); an agent writes only its own cluster's entries.`);
    const keys = await jwks.keysFor(cluster, token.value.kid);
    const verified = verifyServiceAccountToken({ token: token.value, issuer: cluster.issuer, audience: cluster.audience, keys, now: deps.now() });
    if (!verified.ok) throw new UnauthorizedError(`The service-account token ${verified.errors[0]!.message}.`);
    if (verified.value.serviceAccount !== CLUSTER_AGENT_SERVICE_ACCOUNT) {
      throw new ForbiddenError(`Only the service account "${CLUSTER_AGENT_SERVICE_ACCOUNT}" may write cluster "${clusterName}"'s registry entries, not ${verified.value.namespace}/${verified.value.serviceAccount}.`);
    }
    if (cluster.namespaces && !cluster.namespaces.includes(namespace)) {
      throw new ForbiddenError(`Namespace "${namespace}" of cluster "${clusterName}" is not meshed in mesh "${mesh.name}" (the registration allows: ${cluster.namespaces.join(', ')}).`);
    }
    return { tenantId, mesh, cluster, namespace };
  };

  const writer = (): Writer => {
    const w = deps.workloads;
    if (!w?.put || !w.remove || !w.list) throw new HttpProblemError(503, 'Not configured', 'This deployment has no workload registry to write.');
    return w as Writer;
  };

  /** Stores `next` as the namespace's whole set; tells the replicas when more than expiry changed. */
  const replace = async (a: Attested, next: RegisteredWorkload[]): Promise<{ removed: number; changed: boolean }> => {
    const registry = writer();
    const prefix = kubernetesIdPrefix(a.cluster.name, a.namespace);
    const current = (await registry.list(a.tenantId, a.mesh.name)).filter((w) => w.id.startsWith(prefix));
    const since = new Map(current.map((w) => [w.id, w.since]));
    // An unchanged entry keeps its first-seen time, so a refresh is not a change.
    const entries = next.map((w) => ({ ...w, since: since.get(w.id) ?? w.since }));
    const ids = new Set(entries.map((w) => w.id));
    const stale = current.filter((w) => !ids.has(w.id)).map((w) => w.id);
    if (entries.length > 0) await registry.put(entries);
    if (stale.length > 0) await registry.remove(a.tenantId, a.mesh.name, stale, kubernetesReplica(a.cluster.name));
    const changed = digest(current) !== digest(entries);
    if (changed) await deps.publish({ tenantId: a.tenantId, mesh: a.mesh.name, revision: a.mesh.revision, reason: 'workloads' });
    return { removed: stale.length, changed };
  };

  const path = '/v1/meshes/:mesh/registry-sources/kubernetes/:cluster/namespaces/:namespace';
  app.put(path, async (c) => {
    const a = await attest(c);
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpProblemError(415, 'Unsupported media type', `Send the namespace as application/json (got ${type || 'no content type'}).`);
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (err) {
      throw badRequest(`The body is not JSON: ${(err as Error).message.slice(0, 200)}.`);
    }
    const input = validateKubernetesNamespace(body);
    if (!input.ok) throw new ValidationError('The namespace document is not valid.', input.errors);
    const now = deps.now();
    const entries = kubernetesEntries(a.cluster.name, a.namespace, input.value, { tenantId: a.tenantId, mesh: a.mesh.name, now });
    const { removed, changed } = await replace(a, entries);
    return respond(c, { namespace: a.namespace, services: input.value.services.length, endpoints: input.value.endpoints.length, removed, changed, expiresAt: new Date(now.getTime() + KUBERNETES_ENTRY_TTL_MS).toISOString() });
  });
  app.delete(path, async (c) => {
    const a = await attest(c);
    await replace(a, []);
    return c.body(null, 204);
  });
  return app;
}
