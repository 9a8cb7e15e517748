import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startUpstream, type Upstream } from '../support/upstream.ts';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../support/tls-certificates.ts';
import { apply, eventually, localService } from '../support/traffic.ts';

const MESH = 'edge';

interface Answer {
  status: number;
  body: string;
  servedBy: string | undefined;
  /** CN of the certificate the server presented. */
  peer: string;
}

/** One HTTPS request to the gateway with SNI `servername`, trusting only `ca`; optionally with a client certificate. */
function request(port: number, servername: string, ca: string, client?: TestCertificate): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/', servername, ca, headers: { host: servername }, agent: false, timeout: 3000, ...(client ? { cert: client.certificatePem, key: client.privateKeyPem } : {}) },
      (res) => {
        const peer = (res.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? '';
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, servedBy: res.headers['x-served-by'] as string | undefined, peer: String(peer) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

let trellis: TestTrellis;
let gateway: TestGateway;
let bookinfo: Upstream;
let httpbin: Upstream;
let tlsBackend: tls.Server;
let ca: TestCertificate;
let clientCa: TestCertificate;
let client: TestCertificate;

async function putCredential(name: string, leaf: TestCertificate, caCertificates?: string): Promise<{ status: number; json: unknown }> {
  return trellis.api('PUT', `/v1/meshes/${MESH}/credentials/ingress/${name}`, { certificateChain: leaf.certificatePem, privateKey: leaf.privateKeyPem, ...(caCertificates ? { caCertificates } : {}) });
}

function manifests(tlsPort: number): string {
  return `${localService('shop', 'productpage', { v1: bookinfo })}---
${localService('shop', 'httpbin', { v1: httpbin })}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: tls-backend, namespace: shop }
spec:
  hosts: [tls-backend.shop.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9443, name: tls, protocol: TLS }]
  endpoints: [{ address: 127.0.0.1, ports: { tls: ${tlsPort} } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: ingress }
spec:
  selector: { istio: ingressgateway }
  servers:
    - port: { number: 443, name: https-bookinfo, protocol: HTTPS }
      hosts: [bookinfo.example.com]
      tls: { mode: SIMPLE, credentialName: bookinfo-cred }
    - port: { number: 443, name: https-httpbin, protocol: HTTPS }
      hosts: [httpbin.example.com]
      tls: { mode: SIMPLE, credentialName: httpbin-cred }
    - port: { number: 443, name: https-secure, protocol: HTTPS }
      hosts: [secure.example.com]
      tls: { mode: MUTUAL, credentialName: secure-cred }
    - port: { number: 80, name: http, protocol: HTTP }
      hosts: [bookinfo.example.com]
      tls: { httpsRedirect: true }
    - port: { number: 8443, name: tls-passthrough, protocol: TLS }
      hosts: [passthrough.example.com]
      tls: { mode: PASSTHROUGH }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo, namespace: shop }
spec:
  hosts: [bookinfo.example.com]
  gateways: [ingress/edge]
  http: [{ route: [{ destination: { host: productpage } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: httpbin, namespace: shop }
spec:
  hosts: [httpbin.example.com, secure.example.com]
  gateways: [ingress/edge]
  http: [{ route: [{ destination: { host: httpbin } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: passthrough, namespace: shop }
spec:
  hosts: [passthrough.example.com]
  gateways: [ingress/edge]
  tls:
    - match: [{ sniHosts: [passthrough.example.com] }]
      route: [{ destination: { host: tls-backend, port: { number: 9443 } } }]
`;
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  [bookinfo, httpbin] = await Promise.all([startUpstream('bookinfo'), startUpstream('httpbin')]);
  ca = await makeTestCa('edge-ca');
  clientCa = await makeTestCa('client-ca');
  client = await makeTestLeaf(clientCa, { commonName: 'client.example.com' });
  const backendCert = await makeTestLeaf(ca, { dns: ['passthrough.example.com'], commonName: 'passthrough-backend' });
  // A TLS server the gateway must not terminate: the client sees its own certificate.
  tlsBackend = tls.createServer({ cert: backendCert.certificatePem, key: backendCert.privateKeyPem }, (socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nx-served-by: tls-backend\r\ncontent-length: 11\r\nconnection: close\r\n\r\ntls-backend'));
  });
  await new Promise<void>((resolve) => tlsBackend.listen(0, '127.0.0.1', resolve));

  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, {})).status).toBe(201);
  for (const [name, host] of [['bookinfo-cred', 'bookinfo.example.com'], ['httpbin-cred', 'httpbin.example.com']] as const) {
    const res = await putCredential(name, await makeTestLeaf(ca, { dns: [host], commonName: host }));
    expect(res.status, JSON.stringify(res.json)).toBe(201);
  }
  expect((await putCredential('secure-cred', await makeTestLeaf(ca, { dns: ['secure.example.com'], commonName: 'secure.example.com' }), clientCa.certificatePem)).status).toBe(201);
  await apply(trellis, MESH, manifests((tlsBackend.address() as AddressInfo).port));
  gateway = await startGateway({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: MESH, namespace: 'ingress', workload: 'ingressgateway', labels: { istio: 'ingressgateway' }, serverPorts: [443, 80, 8443] });
  await eventually(async () => (await request(gateway.ports[443]!, 'bookinfo.example.com', ca.certificatePem)).status === 200, 'the gateway serving bookinfo.example.com', 20_000);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await trellis?.close();
  await Promise.all([bookinfo?.close(), httpbin?.close()]);
  await new Promise<void>((resolve) => (tlsBackend ? tlsBackend.close(() => resolve()) : resolve()));
});

describe('an Envoy ingress gateway driven through the REST API', () => {
  it('serves two TLS hosts on one port by SNI, each with its own uploaded certificate and upstream', async () => {
    for (let i = 0; i < 5; i++) {
      const a = await request(gateway.ports[443]!, 'bookinfo.example.com', ca.certificatePem);
      expect(a).toMatchObject({ status: 200, servedBy: 'bookinfo', peer: 'bookinfo.example.com' });
      const b = await request(gateway.ports[443]!, 'httpbin.example.com', ca.certificatePem);
      expect(b).toMatchObject({ status: 200, servedBy: 'httpbin', peer: 'httpbin.example.com' });
    }
  });

  it('redirects plain HTTP to HTTPS with a 301', async () => {
    const res = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: gateway.ports[80], path: '/reviews?x=1', headers: { host: 'bookinfo.example.com' }, agent: false }, (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, location: r.headers.location });
        })
        .on('error', reject);
    });
    expect(res.status).toBe(301);
    expect(res.location).toBe('https://bookinfo.example.com/reviews?x=1');
  });

  it('MUTUAL: refuses a client without a certificate and serves one whose certificate the uploaded CA signed', async () => {
    await expect(request(gateway.ports[443]!, 'secure.example.com', ca.certificatePem)).rejects.toThrow();
    const other = await makeTestLeaf(await makeTestCa('stranger-ca'), { commonName: 'stranger' });
    await expect(request(gateway.ports[443]!, 'secure.example.com', ca.certificatePem, other)).rejects.toThrow();
    expect(await request(gateway.ports[443]!, 'secure.example.com', ca.certificatePem, client)).toMatchObject({ status: 200, servedBy: 'httpbin', peer: 'secure.example.com' });
  });

  it('PASSTHROUGH: forwards TLS untouched; the client sees the backend certificate', async () => {
    expect(await request(gateway.ports[8443]!, 'passthrough.example.com', ca.certificatePem)).toMatchObject({ status: 200, body: 'tls-backend', peer: 'passthrough-backend' });
  });

  it('never returns a private key, and refuses credentials that are not usable', async () => {
    const one = await trellis.api('GET', `/v1/meshes/${MESH}/credentials/ingress/bookinfo-cred`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ namespace: 'ingress', name: 'bookinfo-cred', subjectAltNames: ['DNS:bookinfo.example.com'], chainLength: 1, caCertificates: 0 });
    const list = await trellis.api('GET', `/v1/meshes/${MESH}/credentials`);
    expect((list.json as { items: unknown[] }).items).toHaveLength(3);
    expect(JSON.stringify([one.json, list.json])).not.toMatch(/PRIVATE KEY/);

    const a = await makeTestLeaf(ca, { commonName: 'a', dns: ['a.example.com'] });
    const b = await makeTestLeaf(ca, { commonName: 'b', dns: ['b.example.com'] });
    const mismatched = await trellis.api('PUT', `/v1/meshes/${MESH}/credentials/ingress/bad`, { certificateChain: a.certificatePem, privateKey: b.privateKeyPem });
    expect(mismatched.status).toBe(400);
    expect(JSON.stringify(mismatched.json)).toContain('does not match');
    const expired = await makeTestLeaf(ca, { commonName: 'old', notAfter: new Date(Date.now() - 1000) });
    const old = await putCredential('old', expired);
    expect(old.status).toBe(400);
    expect(JSON.stringify(old.json)).toContain('expired');
    expect((await trellis.api('PUT', `/v1/meshes/${MESH}/credentials/ingress/junk`, { certificateChain: 'x', privateKey: 'y' })).status).toBe(400);
    expect((await trellis.api('GET', `/v1/meshes/${MESH}/credentials/ingress/bad`)).status).toBe(404);
  });

  it('stops serving a host when its credential is deleted, and serves it again once re-uploaded', async () => {
    expect((await trellis.api('DELETE', `/v1/meshes/${MESH}/credentials/ingress/httpbin-cred`)).status).toBe(204);
    await eventually(async () => {
      try {
        await request(gateway.ports[443]!, 'httpbin.example.com', ca.certificatePem);
        return false;
      } catch {
        return true;
      }
    }, 'httpbin.example.com to stop being served');
    expect((await request(gateway.ports[443]!, 'bookinfo.example.com', ca.certificatePem)).status).toBe(200);
    expect((await putCredential('httpbin-cred', await makeTestLeaf(ca, { dns: ['httpbin.example.com'], commonName: 'httpbin.example.com' }))).status).toBe(201);
    await eventually(async () => (await request(gateway.ports[443]!, 'httpbin.example.com', ca.certificatePem).catch(() => undefined))?.servedBy === 'httpbin', 'httpbin.example.com served again');
  });

  it('deletes the credentials with their mesh', async () => {
    expect((await trellis.api('PUT', '/v1/meshes/scratch', {})).status).toBe(201);
    expect((await trellis.api('PUT', '/v1/meshes/scratch/credentials/ingress/a', { certificateChain: client.certificatePem, privateKey: client.privateKeyPem })).status).toBe(201);
    expect((await trellis.api('DELETE', '/v1/meshes/scratch')).status).toBe(204);
    expect((await trellis.api('PUT', '/v1/meshes/scratch', {})).status).toBe(201);
    expect(await trellis.api('GET', '/v1/meshes/scratch/credentials')).toMatchObject({ status: 200, json: { items: [] } });
  });
});
