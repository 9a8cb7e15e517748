import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbFleetStatus } from '../../core/adapters/aws/dynamodb-fleet/index.ts';
import { makeCsr } from '../../core/ca/testing/make-csr.ts';
import { XDS_SERVER_SPIFFE_ID } from '../../core/identity/trust-domain-policy.ts';
import { HOSTED_METRICS_NAMESPACE, startHostedTopology, type HostedTopology } from '../../scripts/hosted/start-hosted-topology.ts';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { REVIEWS_HOST, reviewsServiceYaml } from '../support/reviews-mesh.ts';
import { ROOT } from '../support/tools.ts';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../support/tls-certificates.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

// The hosted topology of `npm run start:hosted` (bundled API Lambda, two xds-server replicas with
// xDS mTLS, moto for DynamoDB, EventBridge, SQS, ACM PCA, Secrets Manager and KMS), driven by real
// Envoys that trellis-agent runs with ACM PCA certificates.
const KEY = 'hosted-e2e-admin-key-0123456789abcdef';
const MESH = 'hosted';
const GATEWAY_HOST = 'shop.example.com';
const NACK_AUTHOR = 'system:nack-protection';

const virtualService = (http: unknown[]) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec: ${JSON.stringify({ hosts: [REVIEWS_HOST], http })}
`;
const toSubset = (subset: string) => virtualService([{ name: 'all', route: [{ destination: { host: REVIEWS_HOST, subset } }] }]);
// RE2 accepts this regex; Envoy refuses it (program size above its default limit of 100).
const greedy = virtualService([
  { name: 'greedy', match: [{ uri: { regex: '/x[a-z]{300}' } }], route: [{ destination: { host: REVIEWS_HOST, subset: 'v1' } }] },
  { name: 'rest', route: [{ destination: { host: REVIEWS_HOST, subset: 'v1' } }] },
]);
const gatewayYaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: ingress }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 443, name: https, protocol: HTTPS }
      hosts: [${GATEWAY_HOST}]
      tls: { mode: SIMPLE, credentialName: shop-cred }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop, namespace: shop }
spec:
  hosts: [${GATEWAY_HOST}]
  gateways: [ingress/edge]
  http: [{ route: [{ destination: { host: ${REVIEWS_HOST}, subset: v2 } }] }]
`;

interface Revision {
  revision: number;
  author: string;
  message?: string;
  rollbackTo?: number;
}
interface ProxyView {
  proxyId: string;
  namespace?: string;
  workload?: string;
  revision?: number;
  types: Record<string, { state: string }>;
}

let dataDir: string;
let hosted: HostedTopology;
let fleet: DynamoDbFleetStatus;
let v1: Upstream;
let v2: Upstream;
let edgeCa: TestCertificate;
const agents: AgentProcess[] = [];
let gateway: TestGateway | undefined;
let startMs = 0;

async function api(method: string, p: string, body?: unknown): Promise<{ status: number; json: unknown; headers: Headers }> {
  const yaml = typeof body === 'string';
  const res = await fetch(`${hosted.apiUrl}${p}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': yaml ? 'application/yaml' : 'application/json' }) },
    ...(body === undefined ? {} : { body: yaml ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, json, headers: res.headers };
}

async function ok(method: string, p: string, body?: unknown): Promise<{ json: unknown; headers: Headers }> {
  const res = await api(method, p, body);
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.json)}`);
  return res;
}

async function joinToken(namespace: string, serviceAccount: string): Promise<{ token: string; spiffeId: string }> {
  return (await ok('POST', `/v1/meshes/${MESH}/join-tokens`, { namespace, serviceAccount, ttlSeconds: 600 })).json as { token: string; spiffeId: string };
}

/** Which reviews version answered through the agent's sidecar; otherwise what happened instead, so a failed expectation says why. */
const servedBy = async (agent: AgentProcess): Promise<string> => {
  try {
    const r = await get(agent.outbound, { host: REVIEWS_HOST });
    return r.servedBy ?? `HTTP ${r.status} without x-served-by: ${r.body.slice(0, 200)}`;
  } catch (err) {
    return `no answer: ${(err as Error).message}`;
  }
};
const proxies = async () => ((await ok('GET', `/v1/meshes/${MESH}/proxies`)).json as { items: ProxyView[] }).items;
const replicaOf = async (workload: string) => (await fleet.list('default', MESH)).find((r) => r.workload === workload)?.replica;
const logsOf = () => agents.map((a) => a.logs().slice(-2500)).join('\n---\n');

/** The CLI as a user runs it, on the topology's API. */
function trellis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: dataDir, TRELLIS_CONFIG: path.join(dataDir, 'cli.yaml'), TRELLIS_URL: hosted.apiUrl, TRELLIS_API_KEY: KEY, TRELLIS_MESH: MESH, TRELLIS_NO_REBUILD: '1', NO_COLOR: '1' };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { cwd: dataDir, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** An HTTPS request to the gateway with SNI, trusting only the credential's CA. */
function viaGateway(port: number): Promise<{ status: number; servedBy?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/', servername: GATEWAY_HOST, ca: edgeCa.certificatePem, headers: { host: GATEWAY_HOST }, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, servedBy: res.headers['x-served-by'] as string | undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-hosted-e2e-'));
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const started = performance.now();
  hosted = await startHostedTopology({
    dataDir,
    apiPort: ports[0]!,
    xdsPorts: [ports[1]!, ports[2]!],
    adminPorts: [ports[3]!, ports[4]!],
    xdsBalancerPort: ports[5]!,
    bootstrapKey: KEY,
    logLevel: 'warn',
    // Alarm metrics every second instead of every minute, so the test reads them from CloudWatch quickly.
    replicaEnv: { TRELLIS_METRICS_INTERVAL_MS: '1000' },
  });
  startMs = performance.now() - started;
  fleet = new DynamoDbFleetStatus({ client: new DynamoDBClient(hosted.aws), tableName: hosted.resources.tableName });
  [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
  edgeCa = await makeTestCa('hosted-edge-ca');

  expect((await api('PUT', `/v1/meshes/${MESH}`, { onNack: { action: 'rollback', threshold: 0.5 } })).status).toBe(201);
  await ok('POST', `/v1/meshes/${MESH}/apply`, `${reviewsServiceYaml(v1.port, v2.port)}---\n${toSubset('v1')}`);
  // One at a time: the balancer gives each new xDS connection to the replica with the fewest.
  for (const workload of ['productpage', 'details']) {
    const { token, spiffeId } = await joinToken('shop', workload);
    const agent = await startAgentProcess({ apiUrl: hosted.apiUrl, xdsAddress: hosted.xdsAddress, joinToken: token, workload, labels: { app: workload }, args: ['--spiffe-id', spiffeId] });
    agents.push(agent);
    await waitFor(async () => (await servedBy(agent)) === 'v1', `${workload} routing through its sidecar`, 30_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${logsOf()}`);
    });
    await waitFor(async () => (await replicaOf(workload)) !== undefined, `${workload} in the fleet status`, 10_000, 100);
  }
}, 150_000);

afterAll(async () => {
  const problems: unknown[] = [];
  for (const stop of [...agents.map((a) => a.stop), () => gateway?.stop()]) await Promise.resolve(stop()).catch((err: unknown) => problems.push(err));
  await Promise.all([v1, v2].map((u) => u?.close()));
  await hosted?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (problems.length > 0) throw problems[0];
}, 60_000);

describe('the hosted topology (npm run start:hosted) with real Envoys run by trellis-agent', () => {
  it('is healthy once moto, the API Lambda and both replicas are, and puts one sidecar on each replica', async () => {
    console.info(`start:hosted topology healthy in ${(startMs / 1000).toFixed(1)} s`);
    const health = await fetch(`${hosted.apiUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', components: { moto: 'ready', api: 'ready', preview: 'ready', 'xds-0': 'ready', 'xds-1': 'ready' } });
    expect([await replicaOf('productpage'), await replicaOf('details')]).toEqual(['hosted-a', 'hosted-b']);
    for (const a of agents) expect(a.certificates().length, a.logs()).toBeGreaterThanOrEqual(1);
    // Above Lambda's 6 MB payload limit the HTTP API answers itself, as API Gateway does.
    const tooLarge = await fetch(`${hosted.apiUrl}/v1/meshes/${MESH}/apply`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/yaml' }, body: 'x'.repeat(6 * 1024 * 1024 + 1) });
    expect(tooLarge.status).toBe(413);
  });

  it('trellis apply --wait reports both proxies synced, and /proxies lists them at the new revision', async () => {
    const file = path.join(dataDir, 'to-v2.yaml');
    writeFileSync(file, toSubset('v2'));
    const started = performance.now();
    const run = await trellis(['apply', '-f', file, '--wait', '--timeout', '60s']);
    const waitedMs = performance.now() - started;
    console.info(`trellis apply --wait to 2/2 on the hosted topology: ${waitedMs.toFixed(0)} ms`);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/2\/2/);
    for (const a of agents) expect(await servedBy(a)).toBe('v2');

    const head = ((await ok('GET', `/v1/meshes/${MESH}`)).json as { revision: number }).revision;
    const listed = await proxies();
    expect(listed.map((p) => p.workload).sort()).toEqual(['details', 'productpage']);
    for (const p of listed) {
      expect(p.revision).toBe(head);
      expect(Object.values(p.types).every((t) => t.state === 'SYNCED')).toBe(true);
    }
    // The API shows no replica; the fleet records in the table say which replica holds each stream.
    const records = await fleet.list('default', MESH);
    expect(records.map((r) => [r.workload, r.replica]).sort()).toEqual([
      ['details', 'hosted-b'],
      ['productpage', 'hosted-a'],
    ]);
  }, 90_000);

  it('trellis proxy-config and apply --dry-run show real data, re-translated by the preview Lambda from the fleet records', async () => {
    const records = await fleet.list('default', MESH);
    expect(records.every((r) => r.metadata !== undefined)).toBe(true);
    const productpage = records.find((r) => r.workload === 'productpage')!;
    const config = await trellis(['proxy-config', productpage.proxyId, 'all', '-o', 'json']);
    expect(config.code, config.stderr).toBe(0);
    const shown = JSON.parse(config.stdout) as { proxyId: string; revision: number; types: Record<string, { name: string; version?: string; resource?: unknown }[]> };
    expect(shown.proxyId).toBe(productpage.proxyId);
    expect(shown.revision).toBe(productpage.revision);
    expect(shown.types.clusters!.length).toBeGreaterThan(0);
    expect(shown.types.clusters!.every((c) => typeof c.version === 'string' && c.resource !== undefined)).toBe(true);
    // The route the last apply made: every request to the v2 subset.
    expect(JSON.stringify(shown.types.routes)).toMatch(/\|v2\|/);
    expect(JSON.stringify(shown.types.routes)).not.toMatch(/\|v1\|/);

    const file = path.join(dataDir, 'back-to-v1.yaml');
    writeFileSync(file, toSubset('v1'));
    const dryRun = await trellis(['apply', '-f', file, '--dry-run', '-o', 'json']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const preview = (JSON.parse(dryRun.stdout) as { proxies?: { proxiesAffected: number; groups: { proxies: number; changes: { type: string; action: string; diff?: string[] }[] }[] } }).proxies;
    expect(preview?.proxiesAffected).toBe(2);
    expect(preview!.groups.flatMap((g) => g.changes).some((c) => c.type === 'rds' && c.action === 'changed' && c.diff!.join('\n').includes('v1'))).toBe(true);
    // Nothing was applied.
    for (const a of agents) expect(await servedBy(a)).toBe('v2');
  }, 60_000);

  it('sums both sidecars’ golden-signal reports across API invocations in the DynamoDB signals table (GET …/signals, trellis top)', async () => {
    for (const a of agents) for (let i = 0; i < 20; i++) expect(await servedBy(a)).toBe('v2');
    interface Signals { reporters: number; total: { requests: number; successRate: number | null }; versions: { version: string; requests: number }[] }
    let signals: Signals | undefined;
    // The agents report every 10 s (their default): both reports land within two periods.
    await waitFor(async () => {
      signals = (await ok('GET', `/v1/meshes/${MESH}/services/shop/reviews/signals?window=300`)).json as Signals;
      return signals.reporters === 2 && (signals.versions.find((v) => v.version === 'v2')?.requests ?? 0) >= 40;
    }, 'signals of reviews from both sidecars', 45_000, 1000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(signals)}\n${logsOf()}`);
    });
    expect(signals!.total.successRate).toBe(1);
    const top = await trellis(['top', 'reviews', '-n', 'shop', '--window', '300', '--once']);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toMatch(/reviews\.shop\.svc\.cluster\.local/);
    expect(top.stdout).toMatch(/\bv2\b/);
  }, 60_000);

  it('rolls back a revision both proxies NACK, with exactly one rollback revision though each replica saw a NACK', async () => {
    for (const a of agents) a.expectTrouble({ rejections: true });
    const put = await ok('PUT', `/v1/meshes/${MESH}/resources/virtualservices/shop/reviews`, greedy);
    const bad = Number(put.headers.get('x-trellis-revision'));
    let rollbacks: Revision[] = [];
    const readRollbacks = async () => {
      const items = ((await ok('GET', `/v1/meshes/${MESH}/revisions`)).json as { items: Revision[] }).items;
      rollbacks = items.filter((r) => r.revision > bad && r.author === NACK_AUTHOR);
      return rollbacks.length > 0;
    };
    await waitFor(readRollbacks, 'the automatic rollback revision', 30_000, 100);
    // Both replicas decide on their own; give the slower one time to write a second rollback if it would.
    await new Promise((r) => setTimeout(r, 3000));
    await readRollbacks();
    expect(rollbacks.map((r) => r.rollbackTo)).toEqual([bad - 1]);
    expect(rollbacks[0]!.message).toMatch(new RegExp(`^automatic rollback of revision ${bad}: \\d/\\d proxies rejected it`));
    const after = ((await ok('GET', `/v1/meshes/${MESH}/revisions`)).json as { items: Revision[] }).items.filter((r) => r.revision > bad);
    expect(after.map((r) => r.author)).toEqual([NACK_AUTHOR]);
    // The rejected config never took effect; the restored one routes as before.
    for (const a of agents) expect(await servedBy(a)).toBe('v2');
    await waitFor(async () => (await proxies()).every((p) => p.revision === rollbacks[0]!.revision && Object.values(p.types).every((t) => t.state === 'SYNCED')), 'both proxies synced at the rollback revision', 20_000, 100);
    // What the NackCount and ConvergenceSeconds alarms read: both replicas' NACKs and revisions' convergence, summed fleet-wide in CloudWatch.
    const cloudWatch = new CloudWatchClient(hosted.aws);
    const statistic = async (MetricName: string) => {
      const { Datapoints } = await cloudWatch.send(
        new GetMetricStatisticsCommand({ Namespace: HOSTED_METRICS_NAMESPACE, MetricName, StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 60_000), Period: 3600, Statistics: ['Sum', 'SampleCount'] }),
      );
      return { sum: (Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0), samples: (Datapoints ?? []).reduce((n, d) => n + (d.SampleCount ?? 0), 0) };
    };
    await waitFor(async () => (await statistic('NackCount')).sum >= 2, 'NackCount in CloudWatch to count both proxies’ NACKs', 10_000, 200);
    await waitFor(async () => (await statistic('ConvergenceSeconds')).samples >= 1, 'ConvergenceSeconds in CloudWatch', 10_000, 200);
    expect((await statistic('CertificateIssueFailures')).sum).toBe(0);
    cloudWatch.destroy();
  }, 60_000);

  it('serves an uploaded gateway credential (DynamoDB + KMS) from a gateway on xDS mTLS', async () => {
    const leaf = await makeTestLeaf(edgeCa, { dns: [GATEWAY_HOST], commonName: GATEWAY_HOST });
    await ok('PUT', `/v1/meshes/${MESH}/credentials/ingress/shop-cred`, { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem });
    await ok('POST', `/v1/meshes/${MESH}/apply`, gatewayYaml);
    // The gateway's mesh certificate, paid for with a join token like the agent's (ACM PCA).
    const { token, spiffeId } = await joinToken('ingress', 'ingressgateway');
    const csr = await makeCsr({ uris: [spiffeId] });
    const res = await fetch(`${hosted.apiUrl}/v1/meshes/${MESH}/certificates`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ csr: csr.pem }) });
    const issued = (await res.json()) as { certificateChain: string; trustBundle: string };
    expect(res.status, JSON.stringify(issued)).toBe(201);
    const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', csr.keys.privateKey)).toString('base64');
    gateway = await startGateway({
      xdsPort: Number(hosted.xdsAddress.split(':')[1]),
      mesh: MESH,
      namespace: 'ingress',
      workload: 'ingressgateway',
      labels: { istio: 'ingressgateway' },
      serverPorts: [443],
      certificate: { spiffeId, certificateChainPem: issued.certificateChain, privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`, trustBundlePem: issued.trustBundle },
      xdsServerSpiffeId: XDS_SERVER_SPIFFE_ID,
    });
    await waitFor(async () => (await viaGateway(gateway!.ports[443]!).catch(() => undefined))?.status === 200, 'the gateway serving the uploaded credential', 30_000, 100);
    expect(await viaGateway(gateway.ports[443]!)).toEqual({ status: 200, servedBy: 'v2' });
    await waitFor(async () => (await proxies()).some((p) => p.namespace === 'ingress'), 'the gateway listed by /proxies', 10_000, 200).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await proxies())} ${JSON.stringify(await fleet.list('default', MESH))}`);
    });
  }, 60_000);

  it('moves a killed replica’s sidecar to the other replica, listed there, and both workloads stay routable', async () => {
    const victim = hosted.replicas[0]!;
    const stranded = agents[0]!;
    stranded.expectTrouble({ connectionLoss: true });
    const gatewayOnVictim = (await fleet.list('default', MESH)).some((r) => r.namespace === 'ingress' && r.replica === victim.id);
    // The balancer gives the gateway's connection to the replica with the fewest, hosted-a on a tie.
    expect(gatewayOnVictim).toBe(true);
    gateway!.envoy.expectTrouble({ connectionLoss: true });
    const started = performance.now();
    await victim.child.kill();
    await waitFor(async () => (await replicaOf('productpage')) === 'hosted-b', 'productpage re-registered by hosted-b', 60_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}\n${logsOf()}`);
    });
    await waitFor(async () => {
      const p = (await proxies()).find((x) => x.workload === 'productpage');
      return p !== undefined && Object.values(p.types).every((t) => t.state === 'SYNCED');
    }, 'productpage listed synced by the API', 20_000, 100);
    console.info(`replica killed → its sidecar listed synced on the other: ${(performance.now() - started).toFixed(0)} ms`);
    expect((await fetch(`${hosted.apiUrl}/healthz`)).status).toBe(503);
    for (const a of agents) expect(await servedBy(a)).toBe('v2');
    expect(await viaGateway(gateway!.ports[443]!)).toEqual({ status: 200, servedBy: 'v2' });
    await waitFor(async () => (await fleet.list('default', MESH)).every((r) => r.replica === 'hosted-b'), 'every proxy on hosted-b', 20_000, 200);
    expect((await proxies()).length).toBe(3);
  }, 90_000);
});
