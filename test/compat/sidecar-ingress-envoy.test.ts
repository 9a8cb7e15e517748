import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedCa } from '../../core/adapters/embedded/ca/index.ts';
import { activeConfig } from '../support/config-dump.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { startSecureSidecar, type SecureSidecar } from '../support/secure-sidecar.ts';
import { apply } from '../support/traffic.ts';
import { startUpstream, type Upstream } from '../support/upstream.ts';
import { issueWorkloadCertificate } from '../support/workload-certificate.ts';

// Sidecar ingress as Istio's Sidecar reference writes it, on a real Envoy sidecar without traffic redirection.
const MESH = 'compat-ingress';
const TRUST_DOMAIN = `${MESH}.default.trellis.local`;

let trellis: TestTrellis;
let caDir: string;
let app: Upstream;
let sidecar: SecureSidecar;
let httpPort: number;
let tcpPort: number;

const sidecarYaml = (pools = '') => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: orders-inbound, namespace: shop }
spec:
  workloadSelector: { labels: { app: orders } }${pools}
  ingress:
    - port: { number: ${httpPort}, protocol: HTTP, name: http }
      defaultEndpoint: 127.0.0.1:${app.port}${pools ? '\n      connectionPool: { http: { idleTimeout: 500ms } }' : ''}
    - port: { number: ${tcpPort}, protocol: TCP, name: tcp }
      defaultEndpoint: 127.0.0.1:${app.port}
  egress:
    - hosts: ["./*"]
`;

const POLICY = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-admin, namespace: shop }
spec:
  selector: { matchLabels: { app: orders } }
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/admin"] } }]
`;

/** Status of a plain GET to the proxy's port, or 0 when nothing listens there. */
function get(port: number, p: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  caDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-compat-ingress-'));
  const ca = await openEmbeddedCa({ dir: path.join(caDir, 'ca') });
  const certificate = await issueWorkloadCertificate(ca, `spiffe://${TRUST_DOMAIN}/ns/shop/sa/orders`);
  app = await startUpstream('orders');
  [httpPort, tcpPort] = [await freePort(), await freePort()];
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  await apply(trellis, MESH, sidecarYaml());
  sidecar = await startSecureSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: 'shop', workload: 'orders', serviceAccount: 'orders', labels: { app: 'orders' }, appPort: app.port, certificate });
  await waitFor(async () => (await get(httpPort, '/ready')) === 200, 'the ingress listener', 30_000, 100);
}, 90_000);

afterAll(async () => {
  await sidecar?.stop();
  await trellis?.close();
  await app?.close();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
});

describe('Sidecar ingress on a real Envoy', () => {
  it('listens on each ingress port and forwards HTTP and TCP to the defaultEndpoint', async () => {
    app.received.length = 0;
    expect(await get(httpPort, '/orders/1')).toBe(200);
    expect(await get(tcpPort, '/orders/2')).toBe(200);
    expect(app.received.map((r) => r.path)).toEqual(['/orders/1', '/orders/2']);
    // Through the HTTP connection manager, the app sees Envoy's request id; through TCP only the client's bytes.
    expect(app.received[0]!.headers['x-request-id']).toBeDefined();
    expect(app.received[1]!.headers['x-request-id']).toBeUndefined();
    await sidecar.envoy.assertNoTrouble();
  });

  it('applies the workload policies to the HTTP port, and stops serving the TCP port rather than skip them', async () => {
    await apply(trellis, MESH, `${sidecarYaml()}---\n${POLICY}`);
    await waitFor(async () => (await get(httpPort, '/admin')) === 403, 'the DENY policy in force', 20_000, 100);
    expect(await get(httpPort, '/orders/3')).toBe(200);
    await waitFor(async () => (await get(tcpPort, '/admin')) === 0, 'the TCP ingress listener removed', 20_000, 100);
    await sidecar.envoy.assertNoTrouble();
  });

  it('applies the inbound connection pool to the hop to the app, an ingress port taking its own pool first', async () => {
    const pools = `
  inboundConnectionPool:
    http: { idleTimeout: 2s, maxRequestsPerConnection: 50, http1MaxPendingRequests: 7 }
    tcp: { connectTimeout: 3s, maxConnections: 20 }`;
    await apply(trellis, MESH, sidecarYaml(pools));
    type Cluster = Record<string, unknown> & { typed_extension_protocol_options?: Record<string, { common_http_protocol_options?: Record<string, unknown> }> };
    const common = (c: Cluster | undefined) => Object.values(c?.typed_extension_protocol_options ?? {})[0]?.common_http_protocol_options;
    let appCluster: Cluster | undefined;
    let ingressCluster: Cluster | undefined;
    await waitFor(async () => {
      const config = await activeConfig(sidecar.envoy);
      appCluster = config.clusters.get(`inbound|${app.port}||`) as Cluster | undefined;
      ingressCluster = config.clusters.get(`inbound|${httpPort}|ingress|`) as Cluster | undefined;
      return common(appCluster)?.['idle_timeout'] !== undefined && common(ingressCluster)?.['idle_timeout'] !== undefined;
    }, 'the pools in force', 20_000, 100);
    // The app port's cluster: the Sidecar's inbound pool, as Envoy holds it.
    expect(common(appCluster)).toMatchObject({ idle_timeout: '2s', max_requests_per_connection: 50 });
    expect(appCluster!['connect_timeout']).toBe('3s');
    expect(appCluster!['circuit_breakers']).toMatchObject({ thresholds: [{ max_connections: 20, max_pending_requests: 7 }] });
    // The HTTP ingress port's cluster: its own pool, not the Sidecar's.
    expect(common(ingressCluster)).toEqual({ idle_timeout: '0.500s' });
    expect(ingressCluster!['connect_timeout']).toBe('10s');
    expect(ingressCluster!['circuit_breakers']).toBeUndefined();
    // Still serving, through a pool that closes idle connections to the app after 500 ms.
    expect(await get(httpPort, '/orders/4')).toBe(200);
    await new Promise((r) => setTimeout(r, 700));
    expect(await get(httpPort, '/orders/5')).toBe(200);
    const stats = await sidecar.envoy.admin('/stats?filter=upstream_cx_idle_timeout');
    const idled = stats.match(new RegExp(`^cluster\\.inbound\\|${httpPort}\\|ingress\\|\\.upstream_cx_idle_timeout: (\\d+)$`, 'm'));
    expect(Number(idled?.[1])).toBeGreaterThanOrEqual(1);
    await sidecar.envoy.assertNoTrouble();
  });
});
