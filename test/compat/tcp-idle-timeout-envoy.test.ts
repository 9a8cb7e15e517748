import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedCa } from '../../core/adapters/embedded/ca/index.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { startSecureSidecar, type SecureSidecar } from '../support/secure-sidecar.ts';
import { apply, statsContaining } from '../support/traffic.ts';
import { issueWorkloadCertificate } from '../support/workload-certificate.ts';

// DestinationRule connectionPool.tcp.idleTimeout on a real Envoy sidecar's TCP listener.
const MESH = 'compat-tcp-idle';

let trellis: TestTrellis;
let caDir: string;
let echo: net.Server;
let sidecar: SecureSidecar;
let servicePort: number;

/** Opens a connection through the sidecar's TCP listener and checks it echoes. */
async function connect(): Promise<net.Socket> {
  const socket = net.connect(servicePort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => resolve());
  });
  const answer = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
  socket.write('ping');
  expect(await answer).toBe('ping');
  return socket;
}

beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  servicePort = await freePort();
  trellis = await startTestTrellis();
  caDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-compat-idle-'));
  const certificate = await issueWorkloadCertificate(await openEmbeddedCa({ dir: path.join(caDir, 'ca') }), `spiffe://${MESH}.default.trellis.local/ns/shop/sa/web`);
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  await apply(trellis, MESH, `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ledger, namespace: shop }
spec:
  hosts: [ledger.shop.svc.cluster.local]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: ${servicePort}, name: tcp, protocol: TCP }]
  endpoints: [{ address: 127.0.0.1, ports: { tcp: ${(echo.address() as net.AddressInfo).port} } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ledger, namespace: shop }
spec:
  host: ledger.shop.svc.cluster.local
  trafficPolicy: { connectionPool: { tcp: { idleTimeout: 1s } } }
`);
  sidecar = await startSecureSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: 'shop', workload: 'web', serviceAccount: 'web', labels: { app: 'web' }, certificate });
  await waitFor(async () => connect().then((s) => (s.destroy(), true), () => false), 'the TCP listener', 30_000, 100);
}, 90_000);

afterAll(async () => {
  await sidecar?.stop();
  await trellis?.close();
  echo?.close();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
});

describe('DestinationRule tcp.idleTimeout', () => {
  it('closes a TCP connection through the sidecar once no bytes moved for that long, and not while they do', async () => {
    const socket = await connect();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Traffic every 300 ms for 2 s keeps it open past the 1 s timeout.
    for (let i = 0; i < 7; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const answer = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
      socket.write(`ping${i}`);
      expect(await answer).toBe(`ping${i}`);
    }
    expect(socket.destroyed).toBe(false);
    // Then silence: Envoy closes it (bounded by the test timeout).
    await closed;
    // Envoy counts it as an idle timeout of that tcp_proxy.
    const stat = `tcp.outbound|${servicePort}||ledger.shop.svc.cluster.local.idle_timeout`;
    expect((await statsContaining(sidecar.envoy, stat)).get(stat)).toBe(1);
  }, 20_000);
});
