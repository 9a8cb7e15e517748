import https from 'node:https';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshTrustDomain } from '../../core/identity/trust-domain-policy.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startUpstream, type Upstream } from '../support/upstream.ts';
import { issueWorkloadCertificate, type WorkloadCertificate } from '../support/workload-certificate.ts';
import { makeTestCa, makeTestLeaf } from '../support/tls-certificates.ts';
import { apply, eventually, localService } from '../support/traffic.ts';

const MESH = 'east';

let trellis: TestTrellis;
let gateway: TestGateway;
let reviews: Upstream;
let meshClient: WorkloadCertificate;
let gatewayId: string;

/** One HTTPS request to the ISTIO_MUTUAL server, trusting the mesh bundle; the peer is checked by SPIFFE ID, not host name. */
function request(port: number, client: { cert: string; key: string } | undefined): Promise<{ status: number; servedBy: string | undefined; peerSan: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1', port, path: '/', servername: 'reviews.example.com', ca: meshClient.trustBundlePem, agent: false, timeout: 3000,
        headers: { host: 'reviews.example.com' },
        checkServerIdentity: () => undefined,
        ...(client ?? {}),
      },
      (res) => {
        const peerSan = (res.socket as tls.TLSSocket).getPeerCertificate().subjectaltname ?? '';
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, servedBy: res.headers['x-served-by'] as string | undefined, peerSan }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  reviews = await startUpstream('reviews');
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  const trustDomain = meshTrustDomain('default', MESH, {});
  gatewayId = `spiffe://${trustDomain}/ns/istio-system/sa/eastwest`;
  const gatewayCert = await issueWorkloadCertificate(trellis.ca, gatewayId);
  meshClient = await issueWorkloadCertificate(trellis.ca, `spiffe://${trustDomain}/ns/shop/sa/productpage`);
  await apply(
    trellis,
    MESH,
    `${localService('shop', 'reviews', { v1: reviews })}---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: east-west, namespace: istio-system }
spec:
  selector: { istio: eastwestgateway }
  servers:
    - port: { number: 15443, name: https-mesh, protocol: HTTPS }
      hosts: ["*"]
      tls: { mode: ISTIO_MUTUAL }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews.example.com]
  gateways: [istio-system/east-west]
  http: [{ route: [{ destination: { host: reviews } }] }]
`,
  );
  gateway = await startGateway({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: 'istio-system', workload: 'eastwest', labels: { istio: 'eastwestgateway' }, serverPorts: [15443], certificate: gatewayCert });
  const client = { cert: meshClient.certificateChainPem, key: meshClient.privateKeyPem };
  await eventually(async () => (await request(gateway.ports[15443]!, client).catch(() => undefined))?.status === 200, 'the ISTIO_MUTUAL server', 20_000);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await trellis?.close();
  await reviews?.close();
});

describe('an ISTIO_MUTUAL gateway server', () => {
  it('presents the gateway mesh certificate and admits a client with a mesh certificate', async () => {
    const answer = await request(gateway.ports[15443]!, { cert: meshClient.certificateChainPem, key: meshClient.privateKeyPem });
    expect(answer).toMatchObject({ status: 200, servedBy: 'reviews' });
    expect(answer.peerSan).toBe(`URI:${gatewayId}`);
  });

  it('refuses a client without a certificate, and one from outside the mesh', async () => {
    await expect(request(gateway.ports[15443]!, undefined)).rejects.toThrow();
    const stranger = await makeTestLeaf(await makeTestCa('stranger'), { commonName: 'stranger' });
    await expect(request(gateway.ports[15443]!, { cert: stranger.certificatePem, key: stranger.privateKeyPem })).rejects.toThrow();
    // Same CA, another mesh's trust domain: the chain verifies, the SPIFFE ID does not.
    const otherMesh = await issueWorkloadCertificate(trellis.ca, 'spiffe://other.default.trellis.local/ns/shop/sa/productpage');
    await expect(request(gateway.ports[15443]!, { cert: otherMesh.certificateChainPem, key: otherMesh.privateKeyPem })).rejects.toThrow();
  });
});
