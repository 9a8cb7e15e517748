// The cluster agent's 410 Gone path against a real kube-apiserver: cut off from the API server
// (a loopback proxy holds its requests, as a partition would), it misses a Service deleted, a Pod
// gone and a Service created; etcd is compacted meanwhile, so its watches resume from versions
// that no longer exist. The API server answers 410, the agent relists and Trellis converges.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterAgent } from '../../cluster-agent/cluster-agent.ts';
import { newClusterAgent, prepareClusterAgent, readySlice, storedPod } from '../support/cluster-agent-setup.ts';
import { startKubernetes, KUBERNETES_SETUP_TIMEOUT_MS, type KubeObject, type RunningKubernetes } from '../support/kubernetes.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startPausableProxy, type PausableProxy } from '../support/pausable-proxy.ts';
import { waitFor } from '../support/ports.ts';

const NS = 'shop';

const service = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] } });
const pod = (name: string, app: string) => storedPod(NS, name, { app });
const slice = (app: string, pods: { name: string; ip: string }[]) => readySlice(NS, app, [{ name: 'http', port: 8080 }], pods);

let kube: RunningKubernetes;
let trellis: TestTrellis;
let proxy: PausableProxy;
let agent: ClusterAgent | undefined;
let dir: string;

const mirrored = async () => ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: { id: string; source: string }[] }).items.filter((w) => w.source === 'kubernetes').map((w) => w.id).sort();

describe('trellis-cluster-agent after a partition from the API server (410 Gone)', () => {
  beforeAll(async () => {
    kube = await startKubernetes({ watchCache: false });
    trellis = await startTestTrellis();
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cluster-agent-relist-'));
    await prepareClusterAgent(kube, trellis, dir, [NS]);
    for (const o of [service('cart'), service('search'), pod('cart-1', 'cart'), pod('cart-2', 'cart'), slice('cart', [{ name: 'cart-1', ip: '10.1.0.1' }, { name: 'cart-2', ip: '10.1.0.2' }])]) await kube.admin.apply(o);
    proxy = await startPausableProxy({ host: '127.0.0.1', port: Number(new URL(kube.url).port) });
  }, KUBERNETES_SETUP_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await agent?.stop();
    await proxy?.close();
    await trellis?.close();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('relists on 410 Gone after etcd was compacted behind its watches, and Trellis loses what was deleted meanwhile and gains what was created', async () => {
    // Prepare: the agent reaches the API server through the proxy; each watch lasts a second, so each informer resumes often.
    agent = newClusterAgent(kube, trellis, dir, { kubeUrl: `https://127.0.0.1:${proxy.port}`, watchSeconds: 1 });
    agent.start();
    const before = [`kubernetes/test/${NS}/pod/cart-1`, `kubernetes/test/${NS}/pod/cart-2`, `kubernetes/test/${NS}/service/cart`, `kubernetes/test/${NS}/service/search`];
    await waitFor(async () => JSON.stringify(await mirrored()) === JSON.stringify(before), 'the namespace mirrored', 30_000, 100);
    expect(agent.stats()).toMatchObject({ lists: 4, expiredWatches: 0 });

    // Act: partition; every informer's next watch request is held at the proxy.
    proxy.pause();
    await waitFor(() => proxy.held() === 4, "all four informers' watch requests held", 30_000, 50);
    await kube.admin.delete({ kind: 'Service', metadata: { name: 'search', namespace: NS } });
    await kube.admin.apply(slice('cart', [{ name: 'cart-1', ip: '10.1.0.1' }]));
    await kube.admin.delete({ kind: 'Pod', metadata: { name: 'cart-2', namespace: NS } });
    await kube.admin.apply(service('orders'));
    await kube.compactEtcd();
    proxy.resume();

    // Assess: each watch resumes from a compacted version, gets 410 and relists; Trellis converges.
    const after = [`kubernetes/test/${NS}/pod/cart-1`, `kubernetes/test/${NS}/service/cart`, `kubernetes/test/${NS}/service/orders`];
    await waitFor(async () => JSON.stringify(await mirrored()) === JSON.stringify(after), 'Trellis converged on the API server after the partition', 30_000, 100);
    const stats = agent.stats();
    expect(stats.expiredWatches).toBeGreaterThanOrEqual(1);
    expect(stats.lists).toBe(4 + stats.expiredWatches);
    expect(stats.failedWrites).toBe(0);
  }, 120_000);
});
