import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedCa } from '../../core/adapters/embedded/ca/index.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { startSecureSidecar, type SecureSidecar } from '../support/secure-sidecar.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { issueWorkloadCertificate } from '../support/workload-certificate.ts';

const MESH = 'sec';
const TRUST_DOMAIN = 'sec.default.trellis.local';
const HOST = 'server.shop.svc.cluster.local';

const SERVICE = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: server, namespace: shop }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: server } }
`;

let trellis: TestTrellis;
let caDir: string;
let app: Upstream;
let server: SecureSidecar;
let meshClient: SecureSidecar;
let plainClient: TestSidecar;

/** A plain HTTP GET straight at the server sidecar's inbound port, as a workload without a sidecar would send. */
function direct(): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: server.inboundPort, path: '/direct', agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function statuses(url: string, n: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await get(url, { host: HOST }).catch(() => ({ status: 0 }))).status);
  return seen;
}

async function putPeerAuthentication(mode: string): Promise<void> {
  const body = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode } } };
  const res = await trellis.api('PUT', `/v1/meshes/${MESH}/resources/peerauthentications/shop/default`, body);
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  caDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-e2e-ca-'));
  const ca = await openEmbeddedCa({ dir: path.join(caDir, 'ca') });
  const [serverCert, clientCert] = await Promise.all([
    issueWorkloadCertificate(ca, `spiffe://${TRUST_DOMAIN}/ns/shop/sa/server`),
    issueWorkloadCertificate(ca, `spiffe://${TRUST_DOMAIN}/ns/shop/sa/client`),
  ]);
  app = await startUpstream('server');
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  expect((await trellis.api('POST', `/v1/meshes/${MESH}/apply`, SERVICE)).status).toBe(200);
  const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
  const common = { xdsPort, mesh: MESH, namespace: 'shop' };
  [server, meshClient, plainClient] = await Promise.all([
    startSecureSidecar({ ...common, workload: 'server', serviceAccount: 'server', labels: { app: 'server' }, appPort: app.port, certificate: serverCert }),
    startSecureSidecar({ ...common, workload: 'client', serviceAccount: 'client', labels: { app: 'client' }, certificate: clientCert }),
    startSidecar({ ...common, workload: 'legacy', labels: { app: 'legacy' } }),
  ]);
  await waitFor(async () => (await get(meshClient.outbound, { host: HOST })).status === 200, 'mesh client reaching the server', 20_000, 100);
  await waitFor(async () => (await get(plainClient.outbound, { host: HOST })).status === 200, 'plaintext client reaching the server', 20_000, 100);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), meshClient?.stop(), plainClient?.envoy.stop()]);
  await trellis?.close();
  await app?.close();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
});

describe('mesh mTLS between two real Envoys with certificates over SDS', () => {
  it('PERMISSIVE (the default): the mesh client speaks mTLS, with its SPIFFE ID reaching the app; plaintext is accepted too', async () => {
    app.received.length = 0;
    expect(await statuses(meshClient.outbound, 10)).toEqual(Array(10).fill(200));
    const xfcc = app.received.map((r) => r.headers['x-forwarded-client-cert']);
    expect(xfcc.every((h) => typeof h === 'string' && h.includes(`URI=spiffe://${TRUST_DOMAIN}/ns/shop/sa/client`))).toBe(true);

    app.received.length = 0;
    expect(await statuses(plainClient.outbound, 10)).toEqual(Array(10).fill(200));
    expect(app.received.every((r) => r.headers['x-forwarded-client-cert'] === undefined)).toBe(true);
    expect(await direct()).toBe(200);
    // Both secrets came from the SDS server.
    expect(server.sds.pushes()).toBeGreaterThanOrEqual(2);
  });

  it('STRICT: a plaintext client is refused, the mesh client is served', async () => {
    await putPeerAuthentication('STRICT');
    await waitFor(async () => (await direct()) === 0, 'the inbound listener to refuse plaintext', 15_000, 100);
    // Connections opened before the change drain as Envoy drains any replaced filter chain; a new client is refused at once.
    const xdsPort = Number(trellis.xdsAddress.split(':')[1]);
    const late = await startSidecar({ xdsPort, mesh: MESH, namespace: 'shop', workload: 'legacy-late', labels: { app: 'legacy' } });
    try {
      await waitFor(async () => (await get(late.outbound, { host: HOST })).status === 503, 'the new plaintext client to be configured', 15_000, 100);
      expect(await statuses(late.outbound, 10)).toEqual(Array(10).fill(503));
    } finally {
      await late.envoy.stop();
    }
    expect(await statuses(meshClient.outbound, 20)).toEqual(Array(20).fill(200));
  });

  it('back to PERMISSIVE: plaintext is served again', async () => {
    await putPeerAuthentication('PERMISSIVE');
    await waitFor(async () => (await direct()) === 200, 'the inbound listener to accept plaintext', 15_000, 100);
    expect(await statuses(plainClient.outbound, 10)).toEqual(Array(10).fill(200));
    expect(await statuses(meshClient.outbound, 10)).toEqual(Array(10).fill(200));
  });
});
