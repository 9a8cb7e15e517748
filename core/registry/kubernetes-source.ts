import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isIpAddress } from '../resources/formats/ip.ts';
import { isDns1123Label, isDns1123Subdomain } from '../resources/formats/names.ts';
import { Labels } from '../resources/schemas/shared/labels.ts';
import { issuesToFieldErrors } from '../resources/zod-issues.ts';
import { fail, ok, type FieldError, type Result } from '../result.ts';
import { kubernetesPortProtocol } from './kubernetes-protocol.ts';
import type { RegisteredWorkload } from './workload-registry.ts';

/** Most Services and ready endpoints one namespace document may carry (a bigger namespace is refused, not cut). */
export const MAX_KUBERNETES_SERVICES = 1000;
export const MAX_KUBERNETES_ENDPOINTS = 5000;
/** The largest namespace document, as bytes of JSON. */
export const MAX_KUBERNETES_NAMESPACE_BYTES = 4 * 1024 * 1024;

/**
 * How long a cluster agent's entries count without a refresh. The agent refreshes every namespace
 * well within it, so entries outlive an agent restart or a short API outage with traffic still
 * flowing; a dead agent's endpoints are gone after it, before a recycled pod IP is likely.
 */
export const KUBERNETES_ENTRY_TTL_MS = 10 * 60_000;

const label = (what: string) => z.string().refine(isDns1123Label, `${what} must be a DNS-1123 label`);
const subdomain = (what: string) => z.string().max(253).refine(isDns1123Subdomain, `${what} must be a DNS-1123 subdomain`);
const port = z.number().int().min(1).max(65_535);

const ServicePortInput = z.strictObject({
  name: z.string().max(63).optional(),
  port,
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  appProtocol: z.string().min(1).max(256).optional(),
});

const ServiceInput = z.strictObject({
  name: label('a Service name'),
  clusterIP: z.string().max(64).optional(),
  ports: z.array(ServicePortInput).max(256),
  selector: Labels.optional(),
});

const EndpointInput = z.strictObject({
  pod: subdomain('a Pod name'),
  address: z.string().max(64).refine(isIpAddress, 'must be an IP address'),
  labels: Labels,
  serviceAccount: subdomain('a service account'),
  ports: z.record(z.string().min(1).max(63), port),
});

/** What a cluster agent sends for one meshed namespace: its whole set of Services and ready endpoints. */
export const KubernetesNamespaceInputSchema = z
  .strictObject({
    services: z.array(ServiceInput).max(MAX_KUBERNETES_SERVICES, `at most ${MAX_KUBERNETES_SERVICES} Services per namespace`),
    endpoints: z.array(EndpointInput).max(MAX_KUBERNETES_ENDPOINTS, `at most ${MAX_KUBERNETES_ENDPOINTS} ready endpoints per namespace`),
  })
  .meta({ id: 'KubernetesNamespaceInput' });

export type KubernetesNamespaceInput = z.infer<typeof KubernetesNamespaceInputSchema>;

/** A Service port without a name (allowed when it is the only one) is named by its number. */
export function servicePortName(name: string | undefined, number: number): string {
  return name ? name : `port-${number}`;
}

/** Checks a namespace document: the schema, then names that must be unique. */
export function validateKubernetesNamespace(input: unknown): Result<KubernetesNamespaceInput> {
  const parsed = KubernetesNamespaceInputSchema.safeParse(input);
  if (!parsed.success) return fail(issuesToFieldErrors(parsed.error.issues));
  const errors: FieldError[] = [];
  const seen = (values: string[], path: (i: number) => string, what: string) => {
    const taken = new Set<string>();
    values.forEach((v, i) => {
      if (taken.has(v)) errors.push({ path: path(i), message: `${what} "${v}" appears twice` });
      taken.add(v);
    });
  };
  seen(parsed.data.services.map((s) => s.name), (i) => `services[${i}].name`, 'Service');
  seen(parsed.data.endpoints.map((e) => e.pod), (i) => `endpoints[${i}].pod`, 'Pod');
  parsed.data.services.forEach((s, i) => seen(s.ports.map((p) => servicePortName(p.name, p.port)), (j) => `services[${i}].ports[${j}].name`, 'port'));
  return errors.length > 0 ? fail(errors) : ok(parsed.data);
}

/** Where a cluster's entries of one namespace live in the registry (ids start with it). */
export function kubernetesIdPrefix(cluster: string, namespace: string): string {
  return `kubernetes/${cluster}/${namespace}/`;
}

/** The replica name a cluster's entries carry: only its own source removes them. */
export function kubernetesReplica(cluster: string): string {
  return `cluster-agent/${cluster}`;
}

/** A Pod name (a subdomain) as a DNS label for `trellis get workloads`; long names keep a hash. */
function endpointName(pod: string): string {
  if (isDns1123Label(pod)) return pod;
  const hash = createHash('sha256').update(pod).digest('hex').slice(0, 8);
  const head = pod.replace(/\./g, '-').slice(0, 54).replace(/-+$/, '');
  return `${head}-${hash}`;
}

/** One namespace's Services and endpoints as registry entries of `cluster`. */
export function kubernetesEntries(
  cluster: string,
  namespace: string,
  input: KubernetesNamespaceInput,
  at: { tenantId: string; mesh: string; now: Date; ttlMs?: number },
): RegisteredWorkload[] {
  const prefix = kubernetesIdPrefix(cluster, namespace);
  const common = {
    tenantId: at.tenantId,
    mesh: at.mesh,
    namespace,
    source: 'kubernetes' as const,
    replica: kubernetesReplica(cluster),
    since: at.now.toISOString(),
    expiresAt: new Date(at.now.getTime() + (at.ttlMs ?? KUBERNETES_ENTRY_TTL_MS)).toISOString(),
  };
  const services: RegisteredWorkload[] = input.services.map((s) => ({
    ...common,
    id: `${prefix}service/${s.name}`,
    name: s.name,
    serviceAccount: 'default',
    // A headless Service has no cluster IP; the entry is a service, never an endpoint, so none is dialled.
    address: s.clusterIP && isIpAddress(s.clusterIP) ? s.clusterIP : '0.0.0.0',
    labels: {},
    service: {
      name: s.name,
      ports: s.ports.map((p) => {
        const protocol = kubernetesPortProtocol(p);
        return { name: servicePortName(p.name, p.port), number: p.port, ...(protocol ? { protocol } : {}) };
      }),
      ...(s.selector && Object.keys(s.selector).length > 0 ? { selector: s.selector } : {}),
    },
  }));
  const endpoints: RegisteredWorkload[] = input.endpoints.map((e) => ({
    ...common,
    id: `${prefix}pod/${e.pod}`,
    name: endpointName(e.pod),
    serviceAccount: e.serviceAccount,
    address: e.address,
    labels: e.labels,
    ports: e.ports,
  }));
  return [...services, ...endpoints];
}
