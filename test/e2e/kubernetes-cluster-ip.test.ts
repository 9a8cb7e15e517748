// TCP Services by their cluster IP: the API server allocates each Service's cluster IP, the cluster
// agent mirrors it into Trellis, and a REDIRECT-mode sidecar (a real Envoy with trellis-agent's
// iptables rules, in a network namespace this test makes) tells two TCP Services on the same port
// apart by the address the app dialled, as Istio's sidecars do. A headless Service keeps no address
// and is reached at its pods' own IPs. The config is translated from what the agent wrote, as the
// control plane translates it; the Envoy runs it as static config (it cannot reach loopback xDS
// from its namespace). Nothing leaves the namespaces.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterAgent } from '../../cluster-agent/cluster-agent.ts';
import type { RegisteredWorkload } from '../../core/registry/index.ts';
import { withRegistryServices } from '../../xds-server/control/registry-services.ts';
import { workloadInstances } from '../../xds-server/control/workload-instances.ts';
import { buildMeshIndex, translateSidecar } from '../../xds-server/translate/index.ts';
import { bootstrapBytes } from '../../xds-server/translate/testing/bootstrap-bytes.ts';
import { staticResources } from '../../xds-server/translate/testing/static-resources.ts';
import { newClusterAgent, prepareClusterAgent, readySlice, storedPod } from '../support/cluster-agent-setup.ts';
import { startKubernetes, KUBERNETES_SETUP_TIMEOUT_MS, type KubeObject, type RunningKubernetes } from '../support/kubernetes.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { assertNoEnvoyTroubleInNs, inNs, sh, startEnvoyInNs, startInNs, stopAndRemove } from '../support/netns.ts';
import { waitFor } from '../support/ports.ts';
import { ROOT } from '../support/tools.ts';

const NS = 'data';
const id = randomBytes(3).toString('hex');
const POD = `trellis-cip-${id}`;
const EXT = `trellis-cip-${id}-ext`;
const PROXY_UID = 1337;
/** The pods' addresses, on the "node" side (EXT); the API server's Service range is routed there too. */
const PODS = { orders: '10.254.41.11', users: '10.254.41.12', cache: '10.254.41.13' } as const;
const SERVICE_RANGE = '10.96.0.0/16';

const tcpService = (name: string, port: number, headless = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { ...(headless ? { clusterIP: 'None' } : {}), selector: { app: name }, ports: [{ name: `tcp-${name}`, port }] },
});

/** Each "pod" answers a TCP connection with its name and the address it was reached at. */
const podsScript = `
const net = require('node:net');
for (const [name, ip, port] of ${JSON.stringify([['orders-db', PODS.orders, 5432], ['users-db', PODS.users, 5432], ['cache', PODS.cache, 6379]])}) {
  net.createServer((s) => s.end(name + '@' + s.localAddress + ':' + port + '\\n')).listen(port, ip, () => console.log('listening ' + name));
}`;

/** The app dials `host:port` from its namespace (its connections are redirected to Envoy) and reads the answer. */
async function dial(host: string, port: number): Promise<string> {
  const script = `const s = require('node:net').connect(${port}, '${host}'); let out = ''; s.on('data', (d) => (out += d)); s.on('close', () => { process.stdout.write(out.trim()); }); s.on('error', () => {}); s.setTimeout(3000, () => s.destroy());`;
  return (await inNs(POD, ['node', '-e', script], 10_000)).stdout;
}

async function stat(name: string): Promise<number> {
  const r = await inNs(POD, ['curl', '-s', '--max-time', '3', `http://127.0.0.1:15000/stats?filter=${encodeURIComponent(`^${name.replace(/[.|]/g, '\\$&')}$`)}`]);
  return Number(/:\s*(\d+)\s*$/m.exec(r.stdout)?.[1] ?? NaN);
}

let kube: RunningKubernetes;
let trellis: TestTrellis;
let agent: ClusterAgent | undefined;
let dir: string;
const processes: { child: ChildProcess; logs: () => string }[] = [];
let envoy: { child: ChildProcess; logs: () => string } | undefined;
const clusterIps: Record<string, string> = {};
let mirrored: RegisteredWorkload[] = [];
let issues: unknown[] = [];

describe('TCP Services by cluster IP through a REDIRECT-mode sidecar', () => {
  beforeAll(async () => {
    const missing = ['ip', 'iptables-restore', 'curl', 'setpriv'].filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
    if (missing.length > 0) throw new Error(`this test needs ${missing.join(', ')} on this machine`);
    if (process.getuid?.() !== 0) throw new Error('this test creates network namespaces and needs root');
    kube = await startKubernetes();
    trellis = await startTestTrellis();
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cluster-ip-'));
    chmodSync(dir, 0o755);
    await prepareClusterAgent(kube, trellis, dir, [NS]);
    for (const name of ['orders-db', 'users-db']) {
      const created = (await kube.admin.apply(tcpService(name, 5432))) as KubeObject & { spec: { clusterIP: string } };
      clusterIps[name] = created.spec.clusterIP;
    }
    await kube.admin.apply(tcpService('cache', 6379, true));
    for (const [name, ip, port] of [['orders-db', PODS.orders, 5432], ['users-db', PODS.users, 5432], ['cache', PODS.cache, 6379]] as const) {
      await kube.admin.apply(storedPod(NS, `${name}-0`, { app: name }));
      await kube.admin.apply(readySlice(NS, name, [{ name: `tcp-${name}`, port }], [{ name: `${name}-0`, ip }]));
    }
    agent = newClusterAgent(kube, trellis, dir);
    agent.start();
    await waitFor(async () => {
      const items = ((await trellis.api('GET', '/v1/meshes/demo/workloads')).json as { items: Omit<RegisteredWorkload, 'tenantId' | 'mesh'>[] }).items;
      mirrored = items.filter((w) => w.source === 'kubernetes').map((w) => ({ ...w, tenantId: 'default', mesh: 'demo' }));
      return mirrored.length === 6;
    }, 'three Services and their pods mirrored', 30_000, 100);

    // What the control plane translates for a REDIRECT-mode sidecar of the namespace, from what the agent wrote.
    const resources = withRegistryServices([], mirrored);
    const index = buildMeshIndex({ tenantId: 'default', mesh: 'demo', revision: 1, settings: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, resources, workloads: workloadInstances(mirrored, resources, 'cluster.local') });
    const result = translateSidecar(index, { kind: 'sidecar', namespace: NS, serviceAccount: 'app', workload: 'app', labels: {}, inbound: undefined, interceptionMode: 'REDIRECT' });
    issues = result.issues;
    const served = staticResources(result);
    writeFileSync(path.join(dir, 'sidecar.pb'), bootstrapBytes(served.listeners, served.clusters, served.secrets), { mode: 0o644 });

    sh('ip', ['netns', 'add', POD]);
    sh('ip', ['netns', 'add', EXT]);
    const [vethPod, vethExt] = [`cp${id}`, `cq${id}`];
    sh('ip', ['-n', POD, 'link', 'add', vethPod, 'type', 'veth', 'peer', 'name', vethExt, 'netns', EXT]);
    sh('ip', ['-n', POD, 'addr', 'add', '10.254.41.2/24', 'dev', vethPod]);
    sh('ip', ['-n', EXT, 'addr', 'add', '10.254.41.1/24', 'dev', vethExt]);
    for (const ip of Object.values(PODS)) sh('ip', ['-n', EXT, 'addr', 'add', `${ip}/24`, 'dev', vethExt]);
    for (const [ns, dev] of [[POD, vethPod], [EXT, vethExt]] as const) {
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    // Cluster IPs are on no interface, as in a cluster: only routed out of the pod.
    sh('ip', ['-n', POD, 'route', 'add', SERVICE_RANGE, 'dev', vethPod]);
    const redirect = await inNs(POD, ['node', path.join(ROOT, 'bin/trellis-agent.mjs'), 'redirect', '--proxy-uid', String(PROXY_UID), '--include-inbound-ports', '8080'], 30_000);
    expect(redirect.code, redirect.stderr).toBe(0);
    const pods = startInNs(EXT, ['node', '-e', podsScript]);
    processes.push(pods);
    await waitFor(() => ['orders-db', 'users-db', 'cache'].every((n) => pods.logs().includes(`listening ${n}`)), 'the pods listening', 15_000, 100);
    const admin = 'admin: { address: { socket_address: { address: 127.0.0.1, port_value: 15000 } } }';
    envoy = await startEnvoyInNs(POD, PROXY_UID, ['-c', path.join(dir, 'sidecar.pb'), '--config-yaml', admin]);
    processes.push(envoy);
  }, KUBERNETES_SETUP_TIMEOUT_MS + 90_000);

  afterAll(async () => {
    // Envoy's own counters first: a refused config fails the file even when every connection went right.
    const verdict = envoy?.child.exitCode === null ? await assertNoEnvoyTroubleInNs(POD).then(() => undefined, (err: unknown) => err) : undefined;
    await agent?.stop();
    await stopAndRemove(processes, [POD, EXT]);
    await trellis?.close();
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (verdict) throw verdict;
  });

  it("mirrors each Service's cluster IP from the API server, and none for the headless one; translation reports nothing", () => {
    const services = Object.fromEntries(mirrored.filter((w) => w.service).map((w) => [w.name, w.address]));
    expect(clusterIps['orders-db']).toMatch(/^10\.96\./);
    expect(services).toEqual({ 'orders-db': clusterIps['orders-db'], 'users-db': clusterIps['users-db'], cache: '0.0.0.0' });
    expect(issues).toEqual([]);
  });

  it('sends a connection to each cluster IP to its own Service, though both listen on 5432', async () => {
    const before = { orders: await stat(`cluster.outbound|5432||orders-db.${NS}.svc.cluster.local.upstream_cx_total`), users: await stat(`cluster.outbound|5432||users-db.${NS}.svc.cluster.local.upstream_cx_total`) };
    expect(await dial(clusterIps['orders-db']!, 5432)).toBe(`orders-db@${PODS.orders}:5432`);
    expect(await dial(clusterIps['users-db']!, 5432)).toBe(`users-db@${PODS.users}:5432`);
    expect(await stat(`cluster.outbound|5432||orders-db.${NS}.svc.cluster.local.upstream_cx_total`)).toBe(before.orders + 1);
    expect(await stat(`cluster.outbound|5432||users-db.${NS}.svc.cluster.local.upstream_cx_total`)).toBe(before.users + 1);
  });

  it('refuses a cluster IP no Service has (REGISTRY_ONLY), and reaches the headless Service at its pod IP through Envoy', async () => {
    expect(await dial('10.96.255.254', 5432)).toBe('');
    const before = await stat(`cluster.outbound|6379||cache.${NS}.svc.cluster.local.upstream_cx_total`);
    expect(await dial(PODS.cache, 6379)).toBe(`cache@${PODS.cache}:6379`);
    expect(await stat(`cluster.outbound|6379||cache.${NS}.svc.cluster.local.upstream_cx_total`)).toBe(before + 1);
  });
});
