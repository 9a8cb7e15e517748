// Istio's bookinfo, shaped as its samples/bookinfo/platform/kube/bookinfo.yaml is (our own objects:
// Services with `app` and `service` labels, one ServiceAccount per service, Deployments labelled by
// `version`), applied to a real kube-apiserver with its controllers; the cluster agent mirrors it and
// Istio's request-routing and traffic-shifting task configs, applied to Trellis unchanged (short
// Service names), route a real Envoy as the tasks say. No kubelet runs: each pod is reported running
// on this host's address, where one upstream per Deployment answers.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterAgent } from '../../cluster-agent/cluster-agent.ts';
import { newClusterAgent, prepareClusterAgent } from '../support/cluster-agent-setup.ts';
import { startKubernetes, KUBERNETES_SETUP_TIMEOUT_MS, type KubeObject, type RunningKubernetes } from '../support/kubernetes.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { apply, binomialBounds } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const NS = 'bookinfo';
/** The API server refuses loopback endpoint addresses: the upstreams listen on this host's own interface address. */
const HOST_ADDRESS = Object.values(os.networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;
const DEPLOYMENTS = [['productpage', 'v1'], ['details', 'v1'], ['ratings', 'v1'], ['reviews', 'v1'], ['reviews', 'v2'], ['reviews', 'v3']] as const;

/** bookinfo.yaml's Service: port 9080 named http. All pods share one address here, so the target is the container port's name. */
const service = (app: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: app, namespace: NS, labels: { app, service: app } },
  spec: { selector: { app }, ports: [{ port: 9080, name: 'http', targetPort: 'http' }] },
});

const deployment = (app: string, version: string, port: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `${app}-${version}`, namespace: NS, labels: { app, version } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app, version } },
    template: {
      metadata: { labels: { app, version } },
      spec: { serviceAccountName: `bookinfo-${app}`, containers: [{ name: app, image: `docker.io/istio/examples-bookinfo-${app}-${version}:1.20.2`, ports: [{ name: 'http', containerPort: port }] }] },
    },
  },
});

// samples/bookinfo/networking/destination-rule-all.yaml
const DESTINATION_RULES = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: productpage, namespace: ${NS} }
spec:
  host: productpage
  subsets:
  - { name: v1, labels: { version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: ${NS} }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v3, labels: { version: v3 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: ${NS} }
spec:
  host: ratings
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v2-mysql, labels: { version: v2-mysql } }
  - { name: v2-mysql-vm, labels: { version: v2-mysql-vm } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: details, namespace: ${NS} }
spec:
  host: details
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
`;

// samples/bookinfo/networking/virtual-service-all-v1.yaml
const ALL_V1 = ['productpage', 'reviews', 'ratings', 'details']
  .map((app) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${app}, namespace: ${NS} }
spec:
  hosts: [${app}]
  http:
  - route:
    - destination: { host: ${app}, subset: v1 }
`)
  .join('---\n');

// samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml
const REVIEWS_TEST_V2 = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: ${NS} }
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        end-user: { exact: jason }
    route:
    - destination: { host: reviews, subset: v2 }
  - route:
    - destination: { host: reviews, subset: v1 }
`;

// samples/bookinfo/networking/virtual-service-reviews-50-v3.yaml
const REVIEWS_50_V3 = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: ${NS} }
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
      weight: 50
    - destination: { host: reviews, subset: v3 }
      weight: 50
`;

let kube: RunningKubernetes;
let trellis: TestTrellis;
let agent: ClusterAgent | undefined;
let client: TestSidecar | undefined;
let dir: string;
const upstreams: Upstream[] = [];

/** Who answered a request from the client's sidecar, with `Host` as the app wrote it (bookinfo's apps call `http://reviews:9080`). */
const served = async (host: string, headers: Record<string, string> = {}) => (await get(`${client!.outbound}/`, { host, ...headers }, 3000).catch(() => undefined))?.servedBy;

/** Whether the client's Envoy has a route to `cluster` in force (routes arrive after the clusters they name). */
const routesTo = async (cluster: string) => (await client!.envoy.admin('/config_dump?resource=dynamic_route_configs')).includes(`"${cluster}"`);
const subset = (version: string, app = 'reviews') => `outbound|9080|${version}|${app}.${NS}.svc.cluster.local`;

describe("Istio's bookinfo in a real cluster, routed by Istio's task configs through the cluster agent", () => {
  beforeAll(async () => {
    if (!HOST_ADDRESS) throw new Error('this host has no non-loopback IPv4 address for the endpoints (the API server refuses loopback ones)');
    kube = await startKubernetes({ controllerManager: true });
    trellis = await startTestTrellis();
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bookinfo-'));
    await prepareClusterAgent(kube, trellis, dir, [NS]);
    await kube.admin.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    for (const app of ['productpage', 'details', 'ratings', 'reviews']) {
      await kube.admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `bookinfo-${app}`, namespace: NS, labels: { account: app } } });
      await kube.admin.apply(service(app));
    }
    for (const [app, version] of DEPLOYMENTS) {
      const upstream = await startUpstream(`${app}-${version}`, HOST_ADDRESS);
      upstreams.push(upstream);
      await kube.admin.apply(deployment(app, version, upstream.port));
    }
    // What the kubelet would report: every pod of every Deployment running and ready.
    for (const [app, version] of DEPLOYMENTS) {
      let pod: string | undefined;
      await waitFor(async () => {
        const pods = await kube.admin.request<{ items: { metadata: { name: string } }[] }>('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${app}%2Cversion%3D${version}`);
        pod = pods.body.items?.[0]?.metadata.name;
        return pod !== undefined;
      }, `the ${app}-${version} pod`, 30_000, 100);
      await kube.admin.runPod(NS, pod!, { node: 'node-1', ip: HOST_ADDRESS });
    }
    agent = newClusterAgent(kube, trellis, dir);
    agent.start();
    // Istio's tasks curl from a `sleep` pod; its sidecar runs on this host.
    client = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: NS, workload: 'sleep', labels: { app: 'sleep' } });
    await waitFor(async () => {
      const ids = ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { id: string }[] }).items.filter((w) => w.id.includes('/pod/'));
      return ids.length === DEPLOYMENTS.length;
    }, 'every bookinfo pod mirrored', 60_000, 100);
  }, KUBERNETES_SETUP_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await agent?.stop();
    await client?.envoy.stop();
    await trellis?.close();
    await Promise.all(upstreams.map((u) => u.close()));
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without routing rules, each Service is reached by its short name and spreads over its versions (reviews: v1, v2 and v3)', async () => {
    for (const app of ['productpage', 'details', 'ratings']) await waitFor(async () => (await served(`${app}:9080`)) === `${app}-v1`, `${app}:9080 served`, 30_000, 50);
    const versions = new Set<string | undefined>();
    for (let i = 0; i < 60 && versions.size < 3; i++) versions.add(await served('reviews:9080'));
    expect(versions).toEqual(new Set(['reviews-v1', 'reviews-v2', 'reviews-v3']));
  }, 120_000);

  it('request routing: destination-rule-all and virtual-service-all-v1 send everything to v1; reviews-test-v2 sends jason to v2', async () => {
    await apply(trellis, 'demo', `${DESTINATION_RULES}---\n${ALL_V1}`);
    await waitFor(async () => (await Promise.all(['productpage', 'details', 'ratings', 'reviews'].map((app) => routesTo(subset('v1', app))))).every(Boolean), 'routes to every v1 subset in force', 30_000, 50);
    const allV1 = new Set<string | undefined>();
    for (let i = 0; i < 20; i++) allV1.add(await served(`reviews.${NS}.svc.cluster.local`));
    expect(allV1).toEqual(new Set(['reviews-v1']));
    for (const app of ['productpage', 'details', 'ratings']) expect(await served(`${app}:9080`)).toBe(`${app}-v1`);

    await apply(trellis, 'demo', REVIEWS_TEST_V2);
    await waitFor(() => routesTo(subset('v2')), 'the route to reviews v2 in force', 30_000, 50);
    const seen = { jason: new Set<string | undefined>(), others: new Set<string | undefined>() };
    for (let i = 0; i < 20; i++) {
      seen.jason.add(await served('reviews:9080', { 'end-user': 'jason' }));
      seen.others.add(await served('reviews:9080', { 'end-user': 'alice' }));
    }
    expect(seen).toEqual({ jason: new Set(['reviews-v2']), others: new Set(['reviews-v1']) });
  }, 120_000);

  it('traffic shifting: virtual-service-reviews-50-v3 splits reviews between v1 and v3', async () => {
    await apply(trellis, 'demo', REVIEWS_50_V3);
    await waitFor(async () => (await routesTo(subset('v3'))) && !(await routesTo(subset('v2'))), 'the 50/50 route in force', 30_000, 50);
    const n = 200;
    const counts = new Map<string | undefined, number>();
    for (let i = 0; i < n; i++) {
      const by = await served('reviews:9080');
      counts.set(by, (counts.get(by) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['reviews-v1', 'reviews-v3']);
    const { low, high } = binomialBounds(n, 0.5);
    expect(counts.get('reviews-v3')).toBeGreaterThanOrEqual(low);
    expect(counts.get('reviews-v3')).toBeLessThanOrEqual(high);
  }, 120_000);
});
