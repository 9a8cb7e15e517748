import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../sidecar/agent/agent.ts';
import { envoyLaunch } from '../../sidecar/agent/proxy-settings-client.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { ENVOY_BIN } from '../support/tools.ts';

// Istio's ProxyConfig (mesh-wide, per namespace, per workload) honoured by trellis-agent when it starts a real Envoy.
const MESH = 'compat-proxy-config';
const logger = pino({ level: process.env.TRELLIS_TEST_LOG ?? 'silent' });

const CONFIGS = `apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: { name: mesh-defaults, namespace: istio-system }
spec: { concurrency: 1, environmentVariables: { COMPAT_LEVEL: mesh, COMPAT_REGION: mesh } }
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: { name: shop-env, namespace: shop }
spec: { environmentVariables: { COMPAT_REGION: eu-west-1 } }
---
apiVersion: networking.istio.io/v1beta1
kind: ProxyConfig
metadata: { name: web-threads, namespace: shop }
spec: { selector: { matchLabels: { app: web } }, concurrency: 3 }
`;

let trellis: TestTrellis;
let agent: Agent;
let adminPort: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-compat-agent-'));
  trellis = await startTestTrellis({ xdsMtls: true });
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  const applied = await trellis.api('POST', `/v1/meshes/${MESH}/apply`, CONFIGS);
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
  const token = await trellis.api('POST', `/v1/meshes/${MESH}/join-tokens`, { namespace: 'shop', serviceAccount: 'web', ttlSeconds: 600 });
  expect(token.status).toBe(201);
  adminPort = await freePort();
  agent = new Agent({
    apiUrl: trellis.apiUrl,
    mesh: MESH,
    joinToken: (token.json as { token: string }).token,
    sdsSocketPath: path.join(dir, 'sds.sock'),
    bootstrap: {
      path: path.join(dir, 'bootstrap.yaml'),
      options: {
        metadata: { TRELLIS_TENANT: 'default', TRELLIS_MESH: MESH, TRELLIS_PROXY_KIND: 'sidecar', NAMESPACE: 'shop', SERVICE_ACCOUNT: 'web', WORKLOAD_NAME: 'web', LABELS: { app: 'web', version: 'v1' }, INSTANCE_IP: '127.0.0.1', OUTBOUND_PORT: await freePort() },
        xdsAddress: { host: '127.0.0.1', port: trellis.xds.port },
        adminPort,
        protocol: 'delta',
        xdsServerSpiffeId: 'spiffe://trellis.local/ns/trellis-system/sa/xds-server',
      },
    },
    envoy: { path: ENVOY_BIN, args: ['--log-level', 'warn'], drainMs: 200 },
    readyPort: 0,
    logger,
  });
  await agent.start();
  await waitFor(async () => (await agent.status()).ready, 'agent and Envoy ready', 30_000, 100);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await trellis?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ProxyConfig honoured by trellis-agent', () => {
  it("starts Envoy with the workload's concurrency (its selector beats the mesh-wide value)", async () => {
    const info = JSON.parse(await (await fetch(`http://127.0.0.1:${adminPort}/server_info`)).text()) as { command_line_options: { concurrency: number } };
    expect(info.command_line_options.concurrency).toBe(3);
  });

  it("puts environmentVariables in Envoy's environment, the namespace's beating the mesh's", async () => {
    const pid = (await agent.status()).envoy!.pid!;
    const environment = new Map(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
    expect(environment.get('COMPAT_REGION')).toBe('eu-west-1');
    expect(environment.get('COMPAT_LEVEL')).toBe('mesh');
    // The agent's own environment is kept.
    expect(environment.get('PATH')).toBe(process.env['PATH']);
  });

  it('reports what it applied and where it came from on /ready', async () => {
    expect((await agent.status()).proxySettings).toEqual({
      applied: true,
      sources: ['shop/web-threads', 'shop/shop-env', 'istio-system/mesh-defaults'],
      concurrency: 3,
      environmentVariables: ['COMPAT_LEVEL', 'COMPAT_REGION'],
    });
  });
});

describe('the Envoy command line', () => {
  it('adds --concurrency unless the operator gave one to the agent', () => {
    expect(envoyLaunch({ concurrency: 2, sources: ['a/b'] }, ['--log-level', 'warn'])).toEqual({ args: ['--log-level', 'warn', '--concurrency', '2'], env: {} });
    expect(envoyLaunch({ concurrency: 2, sources: ['a/b'] }, ['--concurrency', '1']).args).toEqual(['--concurrency', '1']);
    expect(envoyLaunch({ concurrency: 2, sources: ['a/b'] }, ['--concurrency=1']).args).toEqual(['--concurrency=1']);
    expect(envoyLaunch({ sources: [] }, [])).toEqual({ args: [], env: {} });
  });
});
