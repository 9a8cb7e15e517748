import type { RunningEnvoy } from './envoy.ts';
import type { TestTrellis } from './local-trellis.ts';
import { waitFor } from './ports.ts';
import type { Upstream } from './upstream.ts';

/** Accepted range for a count of successes in `n` Bernoulli(p) trials: mean ± z standard deviations (z=4: a false alarm in ~1 of 15,000 runs). */
export function binomialBounds(n: number, p: number, z = 4): { low: number; high: number } {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return { low: Math.max(0, Math.floor(mean - z * sd)), high: Math.min(n, Math.ceil(mean + z * sd)) };
}

/** A STATIC MESH_INTERNAL ServiceEntry `<name>.<ns>.svc.cluster.local:80` whose endpoints are local upstreams, labelled by `version`. */
export function localService(namespace: string, name: string, upstreams: Record<string, Upstream>): string {
  const endpoints = Object.entries(upstreams)
    .map(([version, u]) => `    - { address: 127.0.0.1, ports: { http: ${u.port} }, labels: { version: ${version} } }`)
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  hosts: [${name}.${namespace}.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints:
${endpoints}
`;
}

/** Applies a YAML stream and fails with the API's answer when it is not accepted. */
export async function apply(trellis: TestTrellis, mesh: string, yaml: string): Promise<number> {
  const res = await trellis.api('POST', `/v1/meshes/${mesh}/apply`, yaml);
  if (res.status !== 200) throw new Error(`apply failed: ${res.status} ${JSON.stringify(res.json)}`);
  return Number(res.headers.get('x-trellis-revision'));
}

/** Every stat of the Envoy whose name contains `fragment`, by full name (cluster names contain `|`, so no regex filter). */
export async function statsContaining(envoy: RunningEnvoy, fragment: string): Promise<Map<string, number>> {
  const text = await envoy.admin('/stats');
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf(': ');
    if (at < 0) continue;
    const name = line.slice(0, at);
    if (name.includes(fragment) && /^\d+$/.test(line.slice(at + 2).trim())) found.set(name, Number(line.slice(at + 2)));
  }
  return found;
}

/** One counter: `cluster.<cluster>.<stat>`. */
export async function clusterStat(envoy: RunningEnvoy, cluster: string, stat: string): Promise<number> {
  return (await statsContaining(envoy, `cluster.${cluster}.${stat}`)).get(`cluster.${cluster}.${stat}`) ?? 0;
}

/** Names of the clusters the Envoy holds (admin `/clusters`). */
export async function clusterNames(envoy: RunningEnvoy): Promise<Set<string>> {
  const text = await envoy.admin('/clusters');
  return new Set(text.split('\n').flatMap((l) => (l.includes('::') ? [l.slice(0, l.indexOf('::'))] : [])));
}

/** Waits until `check` holds, polling; for config that has to reach Envoy first. */
export const eventually = (check: () => Promise<boolean>, what: string, timeoutMs = 15_000) => waitFor(check, what, timeoutMs, 100);
