// The cluster agent against the hosted topology (`npm run start:hosted`: the bundled API Lambda,
// two xds-server replicas, DynamoDB, EventBridge and SQS on moto): its writes go through the API
// Lambda into the DynamoDB workload registry, the replicas hear of them on the bus, and a real
// Envoy run by trellis-agent (xDS mTLS, ACM PCA certificate) routes by the mirrored Service.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterAgent } from '../../cluster-agent/cluster-agent.ts';
import { DynamoDbFleetStatus } from '../../core/adapters/aws/dynamodb-fleet/index.ts';
import { startHostedTopology, type HostedTopology } from '../../scripts/hosted/start-hosted-topology.ts';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { newClusterAgent, prepareClusterAgent, readySlice, storedPod, type TrellisApi } from '../support/cluster-agent-setup.ts';
import { startKubernetes, KUBERNETES_SETUP_TIMEOUT_MS, type KubeObject, type RunningKubernetes } from '../support/kubernetes.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const KEY = 'hosted-k8s-admin-key-0123456789abcdef';
const NS = 'bookinfo';
const HOST = `reviews.${NS}.svc.cluster.local`;
/** The API server refuses loopback endpoint addresses: the upstream listens on this host's own interface address. */
const HOST_ADDRESS = Object.values(os.networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;

const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: NS }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] } };

let dataDir: string;
let hosted: HostedTopology;
let kube: RunningKubernetes;
let upstream: Upstream;
let agent: ClusterAgent | undefined;
/** One sidecar per replica: the balancer gives each new xDS connection to the replica with the fewest. */
const sidecars: AgentProcess[] = [];

const trellis: TrellisApi = {
  get apiUrl() {
    return hosted.apiUrl;
  },
  async api(method, p, body) {
    const res = await fetch(`${hosted.apiUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, json, headers: res.headers };
  },
};

const servedBy = async (sidecar: AgentProcess) => (await get(sidecar.outbound, { host: HOST }, 3000).catch(() => undefined))?.servedBy;

describe('trellis-cluster-agent writing to the hosted topology', () => {
  beforeAll(async () => {
    if (!HOST_ADDRESS) throw new Error('this host has no non-loopback IPv4 address for the endpoints (the API server refuses loopback ones)');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-hosted-k8s-'));
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    hosted = await startHostedTopology({ dataDir, apiPort: ports[0]!, xdsPorts: [ports[1]!, ports[2]!], adminPorts: [ports[3]!, ports[4]!], xdsBalancerPort: ports[5]!, bootstrapKey: KEY, logLevel: 'warn' });
    kube = await startKubernetes();
    upstream = await startUpstream('reviews-v1', HOST_ADDRESS);
    await prepareClusterAgent(kube, trellis, dataDir, [NS]);
    await kube.admin.apply(storedPod(NS, 'reviews-v1-0', { app: 'reviews', version: 'v1' }));
    await kube.admin.apply(readySlice(NS, 'reviews', [{ name: 'http', port: upstream.port }], [{ name: 'reviews-v1-0', ip: HOST_ADDRESS }]));
    const fleet = new DynamoDbFleetStatus({ client: new DynamoDBClient(hosted.aws), tableName: hosted.resources.tableName });
    for (const workload of ['productpage', 'details']) {
      const join = await trellis.api('POST', '/v1/meshes/demo/join-tokens', { namespace: NS, serviceAccount: workload, ttlSeconds: 600 });
      expect(join.status).toBe(201);
      const { token, spiffeId } = join.json as { token: string; spiffeId: string };
      sidecars.push(await startAgentProcess({ apiUrl: hosted.apiUrl, xdsAddress: hosted.xdsAddress, joinToken: token, workload, labels: { app: workload }, args: ['--spiffe-id', spiffeId] }));
      await waitFor(async () => (await fleet.list('default', 'demo')).some((r) => r.workload === workload), `${workload} in the fleet status`, 30_000, 100);
    }
    const replicas = new Set((await fleet.list('default', 'demo')).map((r) => r.replica));
    expect(replicas.size).toBe(2);
    agent = newClusterAgent(kube, trellis, dataDir);
    agent.start();
  }, KUBERNETES_SETUP_TIMEOUT_MS + 180_000);

  afterAll(async () => {
    await agent?.stop();
    const problems: unknown[] = [];
    for (const sidecar of sidecars) await sidecar.stop().catch((err: unknown) => problems.push(err));
    await upstream?.close();
    await hosted?.close();
    await kube?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (problems.length > 0) throw problems[0];
  }, 60_000);

  it('mirrors a Service through the API Lambda into DynamoDB, and a sidecar on each replica routes it; deleting it removes the route; no revision is made', async () => {
    // Act
    const started = performance.now();
    await kube.admin.apply(service);
    await waitFor(async () => (await Promise.all(sidecars.map(servedBy))).every((s) => s === 'reviews-v1'), `both sidecars (one per replica) routing ${HOST}`, 60_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${sidecars.map((s) => s.logs().slice(-2000)).join('\n---\n')}`);
    });
    const toRouting = performance.now() - started;

    // Assess: live state in the DynamoDB registry, nothing in config.
    const workloads = ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { id: string; source: string; labels: Record<string, string> }[] }).items.filter((w) => w.source === 'kubernetes');
    expect(workloads.map((w) => w.id).sort()).toEqual([`kubernetes/test/${NS}/pod/reviews-v1-0`, `kubernetes/test/${NS}/service/reviews`]);
    expect(workloads.find((w) => w.id.includes('/pod/'))!.labels).toEqual({ app: 'reviews', version: 'v1' });
    expect(((await trellis.api('GET', '/v1/meshes/demo/revisions')).json as { items: unknown[] }).items).toEqual([]);

    const deleted = performance.now();
    await kube.admin.delete(service);
    await waitFor(async () => (await Promise.all(sidecars.map((s) => s.envoyAdmin('/clusters')))).every((c) => !c.includes(HOST)), `both Envoys no longer routing ${HOST}`, 60_000, 100);
    const toGone = performance.now() - deleted;
    console.log(`hosted: Service create → Envoy routes ${Math.round(toRouting)} ms; Service delete → route gone ${Math.round(toGone)} ms; agent ${JSON.stringify(agent!.stats())}`);
    expect(agent!.stats().failedWrites).toBe(0);
  }, 180_000);
});
