import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_BIN } from '../../test/support/tools.ts';
import { freePort, waitFor } from '../../test/support/ports.ts';
import { startTestTrellis, type TestTrellis } from '../../test/support/local-trellis.ts';
import { Agent } from './agent.ts';

const logger = pino({ level: process.env.TRELLIS_TEST_LOG ?? 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function joinToken(trellis: TestTrellis, mesh: string, workload: string): Promise<string> {
  const res = await trellis.api('POST', `/v1/meshes/${mesh}/join-tokens`, { namespace: 'shop', serviceAccount: workload, ttlSeconds: 600 });
  expect(res.status).toBe(201);
  return (res.json as { token: string }).token;
}

async function ready(agent: Agent): Promise<number> {
  return (await fetch(`http://127.0.0.1:${agent.readyPort}/ready`)).status;
}

describe('trellis-agent with a real Envoy and xDS over mTLS', () => {
  let trellis: TestTrellis;
  let agent: Agent;
  let adminPort: number;
  let dir: string;
  const envoyAdmin = async (p: string) => (await fetch(`http://127.0.0.1:${adminPort}${p}`)).text();
  const certsShown = async () => JSON.parse(await envoyAdmin('/certs')) as { certificates: { cert_chain: { serial_number: string; subject_alt_names: { uri?: string }[] }[] }[] };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-agent-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    trellis = await startTestTrellis({ xdsMtls: true });
    cleanups.push(() => trellis.close());
    expect((await trellis.api('PUT', '/v1/meshes/demo', {})).status).toBe(201);
    adminPort = await freePort();
    const started = performance.now();
    agent = new Agent({
      apiUrl: trellis.apiUrl,
      mesh: 'demo',
      joinToken: await joinToken(trellis, 'demo', 'web'),
      sdsSocketPath: path.join(dir, 'sds.sock'),
      keyFile: path.join(dir, 'key.pem'),
      bootstrap: {
        path: path.join(dir, 'bootstrap.yaml'),
        options: {
          metadata: { TRELLIS_TENANT: 'default', TRELLIS_MESH: 'demo', TRELLIS_PROXY_KIND: 'sidecar', NAMESPACE: 'shop', SERVICE_ACCOUNT: 'web', WORKLOAD_NAME: 'web', LABELS: {}, INSTANCE_IP: '127.0.0.1', OUTBOUND_PORT: await freePort() },
          xdsAddress: { host: '127.0.0.1', port: trellis.xds.port },
          adminPort,
          protocol: 'delta',
          xdsServerSpiffeId: 'spiffe://trellis.local/ns/trellis-system/sa/xds-server',
        },
      },
      envoy: { path: ENVOY_BIN, args: ['--log-level', 'warn', '--concurrency', '1'], drainMs: 200 },
      readyPort: 0,
      bundleRefreshMs: 200,
      logger,
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await waitFor(async () => (await ready(agent)) === 200, 'agent ready', 20_000);
    console.info(`agent start to ready (certificate issued, Envoy LIVE over mTLS xDS): ${Math.round(performance.now() - started)} ms`);
  });

  it('serves the certificate to Envoy over SDS, and Envoy reaches xDS over mTLS with it', async () => {
    const status = await agent.status();
    expect(status.certificate?.spiffeId).toBe('spiffe://demo.default.trellis.local/ns/shop/sa/web');
    const shown = JSON.stringify(await certsShown());
    expect(shown).toContain('spiffe://demo.default.trellis.local/ns/shop/sa/web');
    expect(shown).toContain(status.certificate!.serialNumber.replace(/^0+/, ''));
    // The xDS server saw the proxy's certificate: it is listed under the certificate's identity.
    await waitFor(async () => ((await trellis.api('GET', '/v1/meshes/demo/proxies')).json as { items: unknown[] }).items.length === 1, 'proxy status');
    const [proxy] = ((await trellis.api('GET', '/v1/meshes/demo/proxies')).json as { items: { serviceAccount: string; certificate: { spiffeId: string; expiresInSeconds: number } }[] }).items;
    expect(proxy).toMatchObject({ serviceAccount: 'web', certificate: { spiffeId: status.certificate!.spiffeId } });
    expect(proxy!.certificate.expiresInSeconds).toBeGreaterThan(3600);
    expect(statSync(path.join(dir, 'sds.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
  });

  it('pushes a rotated certificate over SDS without restarting Envoy', async () => {
    const before = await agent.status();
    await agent.renewNow();
    const after = await agent.status();
    expect(after.certificate!.serialNumber).not.toBe(before.certificate!.serialNumber);
    expect(after.renewals).toBe(before.renewals + 1);
    await waitFor(async () => JSON.stringify(await certsShown()).includes(after.certificate!.serialNumber.replace(/^0+/, '')), 'Envoy shows the new certificate', 10_000);
    await waitFor(async () => (await agent.status()).sds.ackedVersion === after.sds.version, 'Envoy acked the new secret');
    expect(after.envoy).toMatchObject({ pid: before.envoy!.pid, restarts: 0 });
    // The renewal was paid for with the old certificate, not the (spent) join token.
    const audit = (await trellis.api('GET', '/v1/meshes/demo/certificates/audit')).json as { items: { credential: string; outcome: string }[] };
    expect(audit.items[0]).toMatchObject({ credential: 'certificate', outcome: 'issued' });
  });

  it('delivers both roots to Envoy during a root rotation, without a new certificate', async () => {
    const serial = (await agent.status()).certificate!.serialNumber;
    const caCerts = async () => ((await certsShown()).certificates.flatMap((c) => (c as { ca_cert?: unknown[] }).ca_cert ?? [])).length;
    expect(await caCerts()).toBe(1);
    await trellis.ca.rotateRoot();
    await waitFor(async () => (await caCerts()) === 2, 'Envoy trusts both roots', 10_000);
    expect((await agent.status()).certificate!.serialNumber).toBe(serial);
  });

  it('restarts Envoy when it dies', async () => {
    const pid = (await agent.status()).envoy!.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => {
      const s = await agent.status();
      return s.envoy!.restarts === 1 && s.envoy!.pid !== pid && s.ready;
    }, 'Envoy restarted and ready', 20_000);
    expect(JSON.stringify(await certsShown())).toContain('spiffe://demo.default.trellis.local/ns/shop/sa/web');
    // /ready says how the last Envoy ended.
    const body = (await (await fetch(`http://127.0.0.1:${agent.readyPort}/ready`)).json()) as { envoy: { lastExit?: { signal: string; reason: string } } };
    expect(body.envoy.lastExit).toMatchObject({ signal: 'SIGKILL', reason: expect.stringMatching(/^envoy was killed by SIGKILL/) });
  });

  it('drains Envoy, then stops it, when the agent stops', async () => {
    const pid = (await agent.status()).envoy!.pid!;
    await agent.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await fetch(`http://127.0.0.1:${adminPort}/ready`).then(() => 'up', () => 'down')).toBe('down');
  });
});

describe('trellis-agent while the control plane is away', () => {
  it('retries with backoff, then gets and renews its certificate once the API is back', async () => {
    // Prepare: a token from a Trellis that then goes away (the secret and ledger stay in its data dir).
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-away-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const apiPort = await freePort();
    let trellis = await startTestTrellis({ dataDir, apiPort });
    expect((await trellis.api('PUT', '/v1/meshes/demo', {})).status).toBe(201);
    const token = await joinToken(trellis, 'demo', 'api');
    await trellis.close();
    const agent = new Agent({ apiUrl: `http://127.0.0.1:${apiPort}`, mesh: 'demo', joinToken: token, sdsSocketPath: path.join(dataDir, 'agent.sock'), readyPort: 0, backoff: { baseMs: 50, maxMs: 200 }, logger });
    cleanups.push(() => agent.stop());

    // Act: the agent starts while the API is down.
    await agent.start();
    await waitFor(async () => (await agent.status()).failures >= 3, 'failed attempts');
    expect(await ready(agent)).toBe(503);
    trellis = await startTestTrellis({ dataDir, apiPort });
    cleanups.push(() => trellis.close());

    // Assess
    await agent.whenCertified();
    expect(await ready(agent)).toBe(200);
    const first = (await agent.status()).certificate!;

    // Away again during a renewal: the agent keeps serving its current certificate and keeps trying.
    await trellis.close();
    const failuresBefore = (await agent.status()).failures;
    await agent.renewNow();
    expect((await agent.status()).failures).toBe(failuresBefore + 1);
    expect(await ready(agent)).toBe(200);
    trellis = await startTestTrellis({ dataDir, apiPort });
    await waitFor(async () => (await agent.status()).certificate!.serialNumber !== first.serialNumber, 'renewed after the API came back', 10_000);
    expect((await agent.status()).certificate!.spiffeId).toBe(first.spiffeId);
  });
});
