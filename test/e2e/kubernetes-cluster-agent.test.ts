import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterAgent } from '../../cluster-agent/cluster-agent.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import { KUBERNETES_ENTRY_TTL_MS } from '../../core/registry/kubernetes-source.ts';
import { STATUS_ANNOTATION } from '../../sidecar/injector/annotations.ts';
import { startKubernetes, KUBERNETES_SETUP_TIMEOUT_MS, type KubeObject, type RunningKubernetes } from '../support/kubernetes.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { waitFor } from '../support/ports.ts';
import { apply, clusterNames } from '../support/traffic.ts';
import { ROOT } from '../support/tools.ts';

const NS = 'bookinfo';
/**
 * The API server refuses loopback endpoint addresses, so the upstreams listen on this host's own
 * interface address: traffic to it never leaves the machine.
 */
const HOST_ADDRESS = Object.values(os.networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;
const HOST = `reviews.${NS}.svc.cluster.local`;

/** `trellis install kubernetes --cluster test` as users run it: the objects of its List. */
async function installOutput(): Promise<KubeObject[]> {
  const args = ['install', 'kubernetes', '-m', 'demo', '--server', 'https://trellis.example.com', '--image', 'x', '--cluster', 'test', '-o', 'json'];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`trellis install kubernetes exited ${code}`);
  return (JSON.parse(out) as { items: KubeObject[] }).items;
}

/** A bookinfo-shaped Deployment of reviews whose container port `http` is the upstream's port on this host. */
const deployment = (version: string, port: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `reviews-${version}`, namespace: NS, labels: { app: 'reviews', version } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'reviews', version } },
    template: {
      metadata: { labels: { app: 'reviews', version } },
      spec: { serviceAccountName: 'bookinfo-reviews', containers: [{ name: 'reviews', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2', ports: [{ name: 'http', containerPort: port }] }] },
    },
  },
});

const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'reviews', namespace: NS, labels: { app: 'reviews', service: 'reviews' } },
  spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, targetPort: 'http' }] },
};

/** The pod the ReplicaSet controller made for a version, once it exists. */
async function podOf(version: string): Promise<string> {
  let name: string | undefined;
  await waitFor(async () => {
    const pods = await kube.admin.request<{ items: { metadata: { name: string } }[] }>('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=version%3D${version}`);
    name = pods.body.items?.[0]?.metadata.name;
    return name !== undefined;
  }, `the reviews-${version} pod`, 30_000, 100);
  return name!;
}

/** The API server's service-account signing keys, as EKS publishes them at the issuer (`/openid/v1/jwks`). */
function clusterKeys(k: RunningKubernetes): Promise<unknown> {
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

let kube: RunningKubernetes;
let trellis: TestTrellis;
let agent: ClusterAgent | undefined;
let sidecar: TestSidecar | undefined;
let v1: Upstream;
let v2: Upstream;
let dir: string;
let pods: { v1: string; v2: string };
/** The registry's clock runs this far ahead of the real one, to reach the entries' TTL without waiting for it. */
let registryAheadMs = 0;

function newAgent(watchSeconds?: number): ClusterAgent {
  return new ClusterAgent({
    ...(watchSeconds ? { watchSeconds } : {}),
    kube: { url: kube.url, ca: kube.ca, tokenFile: path.join(dir, 'kube-token') },
    server: trellis.apiUrl,
    tenant: 'default',
    mesh: 'demo',
    cluster: 'test',
    trellisTokenFile: path.join(dir, 'trellis-token'),
    logger: pino({ level: process.env.TRELLIS_TEST_LOG ?? 'silent' }),
  });
}

const served = async () => {
  try {
    return await get(`${sidecar!.outbound}/`, { host: HOST }, 2000);
  } catch {
    return { status: 0, servedBy: undefined, body: '' };
  }
};

describe('trellis-cluster-agent against a real kube-apiserver', () => {
  beforeAll(async () => {
    if (!HOST_ADDRESS) throw new Error('this host has no non-loopback IPv4 address for the endpoints (the API server refuses loopback ones)');
    kube = await startKubernetes({ controllerManager: true });
    trellis = await startTestTrellis({ xds: { registry: new InMemoryWorkloadRegistry({ now: () => new Date(Date.now() + registryAheadMs) }) } });
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cluster-agent-'));
    [v1, v2] = [await startUpstream('reviews-v1', HOST_ADDRESS), await startUpstream('reviews-v2', HOST_ADDRESS)];

    // The agent's own objects from the install output, applied as they are.
    const install = await installOutput();
    for (const o of install.filter((x) => x.metadata.name === 'trellis-cluster-agent' || x.kind === 'Namespace')) await kube.admin.apply(o);
    const kubeToken = path.join(dir, 'kube-token');
    const trellisToken = path.join(dir, 'trellis-token');
    writeFileSync(kubeToken, await kube.admin.serviceAccountToken('trellis-system', 'trellis-cluster-agent'));
    writeFileSync(trellisToken, await kube.admin.serviceAccountToken('trellis-system', 'trellis-cluster-agent', ['trellis']));

    expect((await trellis.api('PUT', '/v1/meshes/demo', {})).status).toBe(201);
    const jwks = await clusterKeys(kube);
    const registered = await trellis.api('PUT', '/v1/meshes/demo/attestation/eks-clusters/test', { issuer: 'https://kubernetes.default.svc', jwks, namespaces: [NS] });
    expect(registered.status, JSON.stringify(registered.json)).toBe(201);

    await kube.admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'trellis.dev/injection': 'enabled' } } });
    // No controller-manager creates the default accounts; the ServiceAccount admission needs the pods'.
    await kube.admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bookinfo-reviews', namespace: NS } });
    await kube.admin.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    await kube.admin.apply(deployment('v1', v1.port));
    await kube.admin.apply(deployment('v2', v2.port));
    pods = { v1: await podOf('v1'), v2: await podOf('v2') };
    await kube.admin.runPod(NS, pods.v1, { node: 'node-1', ip: HOST_ADDRESS });
    await kube.admin.runPod(NS, pods.v2, { node: 'node-1', ip: HOST_ADDRESS, ready: false });
    agent = newAgent();
    agent.start();
    sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: NS, workload: 'productpage', labels: { app: 'productpage' } });
  }, KUBERNETES_SETUP_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await agent?.stop();
    await sidecar?.envoy.stop();
    await trellis?.close();
    await Promise.all([v1?.close(), v2?.close()]);
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('mirrors a Service and its ready pods so a real Envoy routes <name>.<ns>.svc.cluster.local to them, with the Pod labels and service account from the API server; deleting the Service removes the route', async () => {
    // Act: the Service appears; the EndpointSlice controller gives it the ready v1 pod.
    const started = performance.now();
    await kube.admin.apply(service);
    await waitFor(async () => (await served()).servedBy === 'reviews-v1', `Envoy routing ${HOST} to reviews-v1`, 30_000, 50);
    const toRouting = performance.now() - started;

    // Assess: live state in the registry, nothing in config.
    const workloads = (await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { id: string; source: string; labels: Record<string, string>; serviceAccount: string; service?: { ports: unknown[] } }[] };
    const mirrored = workloads.items.filter((w) => w.source === 'kubernetes');
    expect(mirrored.map((w) => w.id).sort()).toEqual([`kubernetes/test/bookinfo/pod/${pods.v1}`, 'kubernetes/test/bookinfo/service/reviews']);
    const endpoint = mirrored.find((w) => w.id.includes('/pod/'))!;
    expect(endpoint.labels).toEqual({ app: 'reviews', version: 'v1', 'pod-template-hash': expect.stringMatching(/^[a-z0-9]+$/) });
    expect(endpoint.serviceAccount).toBe('bookinfo-reviews');
    expect(mirrored.find((w) => w.id.includes('/service/'))!.service!.ports).toEqual([{ name: 'http', number: 9080, protocol: 'HTTP' }]);
    const revisions = (await trellis.api('GET', '/v1/meshes/demo/revisions')).json as { items: unknown[] };
    expect(revisions.items).toEqual([]);

    // Readiness changes alone: v2 becomes ready and v1 not; the controller rewrites the EndpointSlices.
    const sliceStarted = performance.now();
    await kube.admin.runPod(NS, pods.v2, { node: 'node-1', ip: HOST_ADDRESS! });
    await kube.admin.runPod(NS, pods.v1, { node: 'node-1', ip: HOST_ADDRESS!, ready: false });
    await waitFor(async () => (await served()).servedBy === 'reviews-v2', `Envoy routing ${HOST} to reviews-v2`, 30_000, 50);
    const sliceToRouting = performance.now() - sliceStarted;
    await kube.admin.runPod(NS, pods.v1, { node: 'node-1', ip: HOST_ADDRESS! });

    // Deleting the Service removes the mesh service.
    const deleteStarted = performance.now();
    await kube.admin.delete(service);
    // An unknown host goes the way of the mesh's outbound policy (passthrough: a DNS failure here), never to reviews.
    await waitFor(async () => ![...(await clusterNames(sidecar!.envoy))].some((c) => c.includes(HOST)) && (await served()).servedBy === undefined, `Envoy no longer routing ${HOST}`, 30_000, 50);
    const deleteToGone = performance.now() - deleteStarted;
    console.log(`cluster agent: Service create → Envoy routes ${Math.round(toRouting)} ms; pod readiness change (EndpointSlice rewritten by the controller) → routes ${Math.round(sliceToRouting)} ms; Service delete → route gone ${Math.round(deleteToGone)} ms; agent ${JSON.stringify(agent!.stats())}`);
    expect(agent!.stats().failedWrites).toBe(0);
  }, 120_000);

  it("applies Istio routing by short Service names on top, unchanged: a DestinationRule's subsets by the Pods' version label and a VirtualService sending jason to v2", async () => {
    await kube.admin.apply(service);
    await apply(
      trellis,
      'demo',
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: ${NS} }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: ${NS} }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]
`,
    );
    const as = async (user?: string) => {
      try {
        return (await get(`${sidecar!.outbound}/`, { host: HOST, ...(user ? { 'end-user': user } : {}) }, 2000)).servedBy;
      } catch {
        return undefined;
      }
    };
    await waitFor(async () => (await as('jason')) === 'reviews-v2' && (await as()) === 'reviews-v1', 'jason routed to v2 and everyone else to v1', 30_000, 50);
    const answers = { jason: new Set<string | undefined>(), others: new Set<string | undefined>() };
    for (let i = 0; i < 20; i++) {
      answers.jason.add(await as('jason'));
      answers.others.add(await as());
    }
    expect(answers).toEqual({ jason: new Set(['reviews-v2']), others: new Set(['reviews-v1']) });
  }, 120_000);

  it('gives an injected pod one endpoint: its own sidecar registers it and the agent leaves it out, while mirroring the Service and its plain pods', async () => {
    // Prepare: ratings v1 runs injected (its pod carries the annotation the webhook stamps) and its sidecar, a real Envoy,
    // registers itself; ratings v2 runs without a sidecar.
    const injected = await startUpstream('ratings-v1');
    const plain = await startUpstream('ratings-v2', HOST_ADDRESS);
    const ratingsSidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: NS, workload: 'ratings-v1', serviceAccount: 'bookinfo-ratings', labels: { app: 'ratings', version: 'v1' }, appPort: injected.port });
    const ratings: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ratings', namespace: NS }, spec: { selector: { app: 'ratings' }, ports: [{ name: 'http', port: 9080, targetPort: 'http' }] } };
    const status = { [STATUS_ANNOTATION]: '{"containers":["trellis-proxy"],"initContainers":["trellis-init"]}' };
    const ratingsDeployment = (version: string, port: number, annotations?: Record<string, string>): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `ratings-${version}`, namespace: NS, labels: { app: 'ratings', version } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'ratings', version } },
        template: {
          metadata: { labels: { app: 'ratings', version }, ...(annotations ? { annotations } : {}) },
          spec: { serviceAccountName: 'bookinfo-ratings', containers: [{ name: 'ratings', image: 'docker.io/istio/examples-bookinfo-ratings-v1:1.20.2', ports: [{ name: 'http', containerPort: port }] }] },
        },
      },
    });
    const podOfRatings = async (version: string) => {
      let name: string | undefined;
      await waitFor(async () => {
        const pods = await kube.admin.request<{ items: { metadata: { name: string } }[] }>('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dratings%2Cversion%3D${version}`);
        name = pods.body.items?.[0]?.metadata.name;
        return name !== undefined;
      }, `the ratings-${version} pod`, 30_000, 100);
      return name!;
    };
    try {
      await kube.admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bookinfo-ratings', namespace: NS } });
      await kube.admin.apply(ratingsDeployment('v1', injected.port, status));
      await kube.admin.apply(ratingsDeployment('v2', plain.port));
      const pod = { v1: await podOfRatings('v1'), v2: await podOfRatings('v2') };
      // Both ready before the Service exists: the controller writes one EndpointSlice with both pods.
      await kube.admin.runPod(NS, pod.v1, { node: 'node-1', ip: HOST_ADDRESS! });
      await kube.admin.runPod(NS, pod.v2, { node: 'node-1', ip: HOST_ADDRESS! });
      // Act
      await kube.admin.apply(ratings);
      // Assess: once the plain pod is mirrored, the agent has seen the slice that also lists the injected one.
      await waitFor(async () => ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { id: string }[] }).items.some((w) => w.id === `kubernetes/test/${NS}/pod/${pod.v2}`), 'the plain ratings pod mirrored', 30_000, 50);
      const slices = await kube.admin.request<{ items: { endpoints?: { targetRef?: { name?: string } }[] }[] }>('GET', `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dratings`);
      expect(slices.body.items.flatMap((sl) => (sl.endpoints ?? []).map((e) => e.targetRef?.name)).sort()).toEqual([pod.v1, pod.v2].sort());
      const workloads = ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { id: string; source: string }[] }).items;
      expect(workloads.filter((w) => w.source === 'kubernetes' && w.id.includes('ratings')).map((w) => w.id).sort()).toEqual([`kubernetes/test/${NS}/pod/${pod.v2}`, `kubernetes/test/${NS}/service/ratings`]);
      const host = `ratings.${NS}.svc.cluster.local`;
      const expected = [`127.0.0.1:${ratingsSidecar.inboundPort}`, `${HOST_ADDRESS}:${plain.port}`].sort();
      let endpoints: string[] = [];
      await waitFor(async () => {
        endpoints = (await sidecar!.envoy.admin('/clusters')).split('\n').filter((l) => l.startsWith(`outbound|9080||${host}::`) && l.includes('::health_flags::')).map((l) => l.split('::')[1]!).sort();
        return endpoints.length >= 2;
      }, `Envoy's ${host} endpoints`, 30_000, 50);
      expect(endpoints).toEqual(expected);
      const servedBy = new Set<string | undefined>();
      for (let i = 0; i < 20 && servedBy.size < 2; i++) servedBy.add((await get(`${sidecar!.outbound}/`, { host }, 2000)).servedBy);
      expect(servedBy).toEqual(new Set(['ratings-v1', 'ratings-v2']));
    } finally {
      await kube.admin.delete(ratings);
      await ratingsSidecar.envoy.stop();
      await Promise.all([injected.close(), plain.close()]);
    }
  }, 120_000);

  it('resyncs after the agent was away: a Service deleted meanwhile is removed by the next agent', async () => {
    await kube.admin.apply(service);
    await waitFor(async () => (await served()).servedBy !== undefined, `Envoy routing ${HOST}`, 30_000, 50);
    await agent!.stop();
    await kube.admin.delete(service);
    // While the agent is away Trellis keeps the last known entries (until their TTL).
    expect((await served()).servedBy).toBeDefined();
    agent = newAgent();
    agent.start();
    await waitFor(async () => ![...(await clusterNames(sidecar!.envoy))].some((c) => c.includes(HOST)), `Envoy no longer routing ${HOST} after the resync`, 30_000, 50);
    const workloads = (await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { id: string }[] };
    expect(workloads.items.filter((w) => w.id.includes('/service/'))).toEqual([]);
  }, 120_000);

  it('resumes ended watches from the last resourceVersion without listing again, and misses no change in between', async () => {
    await agent!.stop();
    agent = newAgent(1);
    agent.start();
    await waitFor(() => agent!.stats().lists === 4, 'the first lists', 30_000, 50);
    // Each watch is ended by the server after a second and resumed; the change lands across resumptions.
    await waitFor(() => agent!.stats().watches >= 12, 'watches ended and resumed twice', 30_000, 100);
    await kube.admin.apply(service);
    await waitFor(async () => (await served()).servedBy !== undefined, `Envoy routing ${HOST} again`, 30_000, 50);
    expect(agent!.stats().lists).toBe(4);
  }, 120_000);
  it("keeps the last known endpoints while the agent is down, until the entries' TTL; then the mesh service is gone", async () => {
    // Prepare: the Service routed, then the agent stops and sends nothing more.
    await kube.admin.apply(service);
    await waitFor(async () => (await served()).servedBy !== undefined, `Envoy routing ${HOST}`, 30_000, 50);
    await agent!.stop();
    // Act and assess: a minute before the TTL the entries still count and Envoy still routes.
    registryAheadMs = KUBERNETES_ENTRY_TTL_MS - 60_000;
    const mirrored = async () => ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { source: string }[] }).items.filter((w) => w.source === 'kubernetes').length;
    expect(await mirrored()).toBeGreaterThan(0);
    expect((await served()).servedBy).toBeDefined();
    // Past the TTL they lapse, and the control plane drops the mesh service from Envoy on its own.
    registryAheadMs = KUBERNETES_ENTRY_TTL_MS + 1000;
    expect(await mirrored()).toBe(0);
    await waitFor(async () => ![...(await clusterNames(sidecar!.envoy))].some((c) => c.includes(HOST)), `Envoy no longer routing ${HOST} after the TTL`, 30_000, 100);
  }, 120_000);
});
