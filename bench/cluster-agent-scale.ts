// The cluster agent as a user runs it (dist/trellis-cluster-agent.mjs, its own process) against a
// real kube-apiserver holding 1,000 Services and 10,000 ready endpoints in 10 meshed namespaces:
// time from start to every namespace in Trellis, its memory (RSS) then, and its API calls.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { builtEntry } from '../bin/ensure-built.mjs';
import { startLocal } from '../local/start-local.ts';
import { startKubernetes, type KubeObject, type RunningKubernetes } from '../test/support/kubernetes.ts';
import { waitFor } from '../test/support/ports.ts';
import { ROOT } from '../test/support/tools.ts';

const NAMESPACES = Number(process.env.CLUSTER_AGENT_BENCH_NAMESPACES ?? 10);
const SERVICES_PER_NAMESPACE = 100;
const PODS_PER_SERVICE = 10;
const CONCURRENCY = 16;
const KEY = 'bench-admin-key-0123456789abcdef';

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`)) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
}

function clusterKeys(k: RunningKubernetes): Promise<unknown> {
  return new Promise((resolve, reject) => {
    https
      .get(`${k.url}/openid/v1/jwks`, { ca: k.ca, headers: { authorization: `Bearer ${k.admin.token}`, accept: 'application/jwk-set+json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`jwks: HTTP ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** Creates the objects CONCURRENCY at a time; any refusal stops the bench. */
async function createAll(kube: RunningKubernetes, objects: KubeObject[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < objects.length) {
        const o = objects[next++]!;
        const r = await kube.admin.create(o);
        if (r.status !== 201) throw new Error(`create ${o.kind} ${o.metadata.name}: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
      }
    }),
  );
}

builtEntry('trellis-cluster-agent');
const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-cluster-agent-'));
const kube = await startKubernetes();
const trellis = await startLocal({ dataDir: path.join(dir, 'data'), host: '127.0.0.1', apiPort: 0, xdsPort: 0, bootstrapKey: KEY, logger: pino({ level: 'silent' }) });
const api = (method: string, p: string, body?: unknown) =>
  fetch(`${trellis.apiUrl}${p}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
let child: ReturnType<typeof spawn> | undefined;
try {
  await api('PUT', '/v1/meshes/bench', {});
  const registered = await api('PUT', '/v1/meshes/bench/attestation/eks-clusters/bench', { issuer: 'https://kubernetes.default.svc', jwks: await clusterKeys(kube) });
  if (registered.status !== 201) throw new Error(`register: HTTP ${registered.status}`);
  const agentObjects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'trellis-system' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'trellis-cluster-agent', namespace: 'trellis-system' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'trellis-cluster-agent' }, rules: [{ apiGroups: [''], resources: ['namespaces', 'services', 'pods'], verbs: ['get', 'list', 'watch'] }, { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'trellis-cluster-agent' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'trellis-cluster-agent' }, subjects: [{ kind: 'ServiceAccount', name: 'trellis-cluster-agent', namespace: 'trellis-system' }] },
  ];
  for (const o of agentObjects) await kube.admin.apply(o);

  const generated = performance.now();
  const namespaces = Array.from({ length: NAMESPACES }, (_, n) => `ns-${n}`);
  await createAll(kube, namespaces.flatMap((ns) => [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'trellis.dev/injection': 'enabled' } } },
  ]));
  await createAll(kube, namespaces.map((ns) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: ns } })));
  const objects: KubeObject[] = [];
  namespaces.forEach((ns, n) => {
    for (let s = 0; s < SERVICES_PER_NAMESPACE; s++) {
      const app = `svc-${s}`;
      objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns }, spec: { selector: { app }, ports: [{ name: 'http', port: 8080 }] } });
      const pods = Array.from({ length: PODS_PER_SERVICE }, (_, p) => ({ name: `${app}-${p}`, ip: `10.${100 + n}.${s}.${p + 1}` }));
      for (const pod of pods) objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.name, namespace: ns, labels: { app, version: 'v1' } }, spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'example/app:1' }] } });
      objects.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${app}-x`, namespace: ns, labels: { 'kubernetes.io/service-name': app } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: p.name, namespace: ns } })) });
    }
  });
  await createAll(kube, objects);
  console.log(`generated ${NAMESPACES * SERVICES_PER_NAMESPACE} Services, ${NAMESPACES * SERVICES_PER_NAMESPACE * PODS_PER_SERVICE} Pods and ready endpoints in ${NAMESPACES} namespaces in ${Math.round((performance.now() - generated) / 1000)} s`);

  const kubeToken = path.join(dir, 'kube-token');
  const trellisToken = path.join(dir, 'trellis-token');
  const caFile = path.join(dir, 'ca.crt');
  writeFileSync(kubeToken, await kube.admin.serviceAccountToken('trellis-system', 'trellis-cluster-agent'));
  writeFileSync(trellisToken, await kube.admin.serviceAccountToken('trellis-system', 'trellis-cluster-agent', ['trellis']));
  writeFileSync(caFile, kube.ca);
  const started = performance.now();
  child = spawn(process.execPath, [path.join(ROOT, 'bin/trellis-cluster-agent.mjs'), '--server', trellis.apiUrl, '--mesh', 'bench', '--cluster', 'bench', '--kube-url', kube.url, '--kube-ca-file', caFile, '--kube-token-file', kubeToken, '--trellis-token-file', trellisToken], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TRELLIS_LOG_LEVEL: 'info' } });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  const expected = NAMESPACES * SERVICES_PER_NAMESPACE * (1 + PODS_PER_SERVICE);
  let count = 0;
  await waitFor(async () => {
    count = (((await (await api('GET', '/v1/meshes/bench/workloads')).json()) as { items: unknown[] }).items.length);
    return count === expected;
  }, `${expected} entries in the registry (have ${count})`, 300_000, 500);
  const synced = performance.now() - started;
  const rss = status(child.pid!, 'VmRSS');
  const peak = status(child.pid!, 'VmHWM');
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  const stats = log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'stopping');
  console.log(`agent: every namespace in Trellis ${(synced / 1000).toFixed(1)} s after start (${expected} entries); RSS ${rss.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`);
  console.log(`agent API calls: ${stats?.lists} lists (pages of 500 not counted apart), ${stats?.watches} watches, ${stats?.writes} writes to Trellis, ${stats?.failedWrites} failed`);
} finally {
  child?.kill('SIGKILL');
  await trellis.close();
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
}
