import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { pino } from 'pino';
import { ClusterAgent } from '../../cluster-agent/cluster-agent.ts';
import type { KubeObject, RunningKubernetes } from './kubernetes.ts';
import type { TestTrellis } from './local-trellis.ts';
import { ROOT } from './tools.ts';

/** `trellis install kubernetes --cluster test` as users run it: the objects of its List. */
export async function installOutput(): Promise<KubeObject[]> {
  const args = ['install', 'kubernetes', '-m', 'demo', '--server', 'https://trellis.example.com', '--image', 'x', '--cluster', 'test', '-o', 'json'];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`trellis install kubernetes exited ${code}`);
  return (JSON.parse(out) as { items: KubeObject[] }).items;
}

/** The API server's service-account signing keys, as EKS publishes them at the issuer (`/openid/v1/jwks`). */
export function clusterKeys(k: RunningKubernetes): Promise<unknown> {
  return new Promise((resolve, reject) => {
    https
      .get(`${k.url}/openid/v1/jwks`, { ca: k.ca, headers: { authorization: `Bearer ${k.admin.token}`, accept: 'application/jwk-set+json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET /openid/v1/jwks: HTTP ${res.statusCode}: ${text.slice(0, 300)}`))));
      })
      .on('error', reject);
  });
}

/** The Trellis the agent writes to: local mode in the test, or the hosted topology's API. */
export type TrellisApi = Pick<TestTrellis, 'api' | 'apiUrl'>;

/**
 * What a cluster admin does before the agent runs: the install output's agent objects applied,
 * mesh `demo` made, the cluster registered as `test` (its issuer and keys, `namespaces` meshed),
 * and the agent's two tokens (API server, audience `trellis`) written to `dir`.
 */
export async function prepareClusterAgent(kube: RunningKubernetes, trellis: TrellisApi, dir: string, namespaces: string[]): Promise<void> {
  for (const o of (await installOutput()).filter((x) => x.metadata.name === 'trellis-cluster-agent' || x.kind === 'Namespace')) await kube.admin.apply(o);
  writeFileSync(path.join(dir, 'kube-token'), await kube.admin.serviceAccountToken('trellis-system', 'trellis-cluster-agent'));
  writeFileSync(path.join(dir, 'trellis-token'), await kube.admin.serviceAccountToken('trellis-system', 'trellis-cluster-agent', ['trellis']));
  const mesh = await trellis.api('PUT', '/v1/meshes/demo', {});
  if (mesh.status !== 201) throw new Error(`PUT /v1/meshes/demo: HTTP ${mesh.status}`);
  const registered = await trellis.api('PUT', '/v1/meshes/demo/attestation/eks-clusters/test', { issuer: 'https://kubernetes.default.svc', jwks: await clusterKeys(kube), namespaces });
  if (registered.status !== 201) throw new Error(`registering the cluster: HTTP ${registered.status}: ${JSON.stringify(registered.json)}`);
  for (const ns of namespaces) {
    await kube.admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'trellis.dev/injection': 'enabled' } } });
    // Without kube-controller-manager nothing makes the pods' default ServiceAccount.
    await kube.admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  }
}

/** An agent with the tokens prepareClusterAgent wrote, reaching the API server at `kubeUrl` (default: directly). */
export function newClusterAgent(kube: RunningKubernetes, trellis: TrellisApi, dir: string, o: { kubeUrl?: string; watchSeconds?: number } = {}): ClusterAgent {
  return new ClusterAgent({
    ...(o.watchSeconds ? { watchSeconds: o.watchSeconds } : {}),
    kube: { url: o.kubeUrl ?? kube.url, ca: kube.ca, tokenFile: path.join(dir, 'kube-token') },
    server: trellis.apiUrl,
    tenant: 'default',
    mesh: 'demo',
    cluster: 'test',
    trellisTokenFile: path.join(dir, 'trellis-token'),
    logger: pino({ level: process.env.TRELLIS_TEST_LOG ?? 'silent' }),
  });
}

/** A Pod that is only stored (no kubelet runs here). */
export const storedPod = (namespace: string, name: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1' }] },
});

/** An EndpointSlice as the controller would write it for `service`'s ready pods (when no controller runs). */
export const readySlice = (namespace: string, service: string, ports: { name: string; port: number }[], pods: { name: string; ip: string }[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-1`, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
  endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: p.name, namespace } })),
});
