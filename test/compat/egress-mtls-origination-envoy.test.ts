import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../support/tls-certificates.ts';
import { apply, clusterStat, eventually } from '../support/traffic.ts';

// Istio's egress gateway mTLS origination task on a real Envoy gateway: DestinationRule credentialName names an uploaded credential.
const MESH = 'compat-egress-mtls';

let trellis: TestTrellis;
let gateway: TestGateway;
let partner: https.Server;
let serverCa: TestCertificate;
let clientCa: TestCertificate;
/** The client certificate subject the partner saw on each request. */
const seen: string[] = [];

const manifests = (port: number) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: egress, namespace: istio-system }
spec:
  selector: { istio: egressgateway }
  servers:
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: [partner.example.com]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: partner, namespace: istio-system }
spec:
  hosts: [partner.example.com]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: 443, name: https, protocol: HTTPS }]
  endpoints: [{ address: 127.0.0.1, ports: { https: ${port} } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: originate-mtls-for-partner, namespace: istio-system }
spec:
  host: partner.example.com
  trafficPolicy:
    portLevelSettings:
      - port: { number: 443 }
        tls: { mode: MUTUAL, credentialName: partner-client, sni: partner.example.com }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: partner-through-egress, namespace: istio-system }
spec:
  hosts: [partner.example.com]
  gateways: [egress]
  http:
    - route: [{ destination: { host: partner.example.com, port: { number: 443 } } }]
`;

function call(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: gateway.ports[80], path: '/orders', headers: { host: 'partner.example.com' }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const upload = (client: TestCertificate, ca: TestCertificate) =>
  trellis.api('PUT', `/v1/meshes/${MESH}/credentials/istio-system/partner-client`, { certificateChain: client.certificatePem, privateKey: client.privateKeyPem, caCertificates: ca.certificatePem });

beforeAll(async () => {
  [serverCa, clientCa] = await Promise.all([makeTestCa('partner-server-ca'), makeTestCa('partner-client-ca')]);
  const serverCert = await makeTestLeaf(serverCa, { dns: ['partner.example.com'], commonName: 'partner.example.com' });
  // The partner demands a client certificate of its client CA.
  partner = https.createServer({ cert: serverCert.certificatePem, key: serverCert.privateKeyPem, ca: clientCa.certificatePem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    seen.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
    // A new connection, so a new handshake, for every request: a changed credential shows at once.
    res.setHeader('connection', 'close');
    res.end('partner');
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  trellis = await startTestTrellis();
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  const client = await makeTestLeaf(clientCa, { commonName: 'shop-egress' });
  expect((await upload(client, serverCa)).status).toBe(201);
  await apply(trellis, MESH, manifests((partner.address() as AddressInfo).port));
  gateway = await startGateway({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: 'istio-system', workload: 'egress-gateway', labels: { istio: 'egressgateway' }, serverPorts: [80] });
  await eventually(async () => (await call().catch(() => ({ status: 0 }))).status === 200, 'the egress gateway originating mTLS', 30_000);
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await trellis?.close();
  partner?.close();
});

describe('DestinationRule credentialName at an egress gateway', () => {
  it('presents the uploaded client certificate and verifies the partner with its CA certificates', async () => {
    seen.length = 0;
    expect(await call()).toEqual({ status: 200, body: 'partner' });
    expect(seen).toEqual(['shop-egress']);
    await gateway.envoy.assertNoTrouble();
  });

  it('a credential whose CA does not sign the partner: the handshake fails and nothing reaches it', async () => {
    const other = await makeTestCa('unrelated-ca');
    expect([200, 201]).toContain((await upload(await makeTestLeaf(clientCa, { commonName: 'shop-egress' }), other)).status);
    await eventually(async () => (await call()).status === 503, 'the new CA in force', 15_000);
    seen.length = 0;
    expect((await call()).status).toBe(503);
    expect(seen).toEqual([]);
    expect(await clusterStat(gateway.envoy, 'outbound|443||partner.example.com', 'ssl.fail_verify_error')).toBeGreaterThan(0);
  });
});
