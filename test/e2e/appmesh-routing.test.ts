import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAppMesh, type ConversionResult } from '../../core/appmesh/index.ts';
import type { IstioResource } from '../../core/resources/index.ts';
import { startGateway, type TestGateway } from '../support/gateway.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { openEmbeddedCa } from '../../core/adapters/embedded/ca/index.ts';
import { startSecureSidecar, type SecureSidecar } from '../support/secure-sidecar.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { issueWorkloadCertificate } from '../support/workload-certificate.ts';
import { binomialBounds } from '../support/traffic.ts';
import { makeTestCa, makeTestLeaf } from '../support/tls-certificates.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const TEMPLATES = path.join(import.meta.dirname, '../fixtures/appmesh/templates');

/** An h2c workload (HTTP/2 or gRPC) that answers with its name and records each request's path and authority. */
interface H2Upstream {
  port: number;
  received: { path: string; authority: string; headers: http2.IncomingHttpHeaders }[];
  /** gRPC only: every Nth call (1-based) answers UNAVAILABLE, or is held `slowMs` before its answer; 0 never. */
  behave(b: Partial<H2Behaviour>): void;
  close(): Promise<void>;
}

interface H2Behaviour {
  unavailableEvery: number;
  slowEvery: number;
  slowMs: number;
}

async function startH2Upstream(name: string, grpc = false): Promise<H2Upstream> {
  const received: H2Upstream['received'] = [];
  const behaviour: H2Behaviour = { unavailableEvery: 0, slowEvery: 0, slowMs: 0 };
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    // A caller's proxy may reset a stream this server still holds (a per-try timeout).
    stream.on('error', () => undefined);
    received.push({ path: String(headers[':path']), authority: String(headers[':authority']), headers });
    const nth = received.length;
    if (grpc) {
      const every = (n: number) => n > 0 && nth % n === 0;
      const answer = () => {
        if (stream.closed) return;
        if (every(behaviour.unavailableEvery)) {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-served-by': name, 'grpc-status': '14' }, { endStream: true });
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-served-by': name }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      };
      if (every(behaviour.slowEvery)) setTimeout(answer, behaviour.slowMs);
      else answer();
    } else {
      stream.respond({ ':status': 200, 'x-served-by': name });
      stream.end(name);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received, behave: (b) => Object.assign(behaviour, b), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface H2Response {
  status: number;
  servedBy: string | undefined;
  /** gRPC's status, from the headers of a trailers-only answer or from the trailers. */
  grpcStatus?: string;
}

/** How a client reaches a TLS listener: the CA it trusts and the name it checks. */
interface ClientTls {
  ca: string;
  servername: string;
}

/** One HTTP/2 request over a fresh connection (h2c, or TLS with ALPN h2): status, who served it, and for gRPC its status. */
async function h2Request(port: number, headers: http2.OutgoingHttpHeaders, body?: Buffer, tls?: ClientTls): Promise<H2Response> {
  const session = tls ? http2.connect(`https://127.0.0.1:${port}`, { ca: tls.ca, servername: tls.servername }) : http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise((resolve, reject) => {
      session.on('error', reject);
      const req = session.request(headers, { endStream: body === undefined });
      req.setTimeout(5000, () => req.close(http2.constants.NGHTTP2_CANCEL));
      const response: H2Response = { status: 0, servedBy: undefined };
      const grpcStatus = (h: http2.IncomingHttpHeaders) => {
        if (typeof h['grpc-status'] === 'string') response.grpcStatus = h['grpc-status'];
      };
      req.on('response', (h) => {
        response.status = Number(h[':status']);
        response.servedBy = typeof h['x-served-by'] === 'string' ? h['x-served-by'] : undefined;
        grpcStatus(h);
      });
      req.on('trailers', grpcStatus);
      req.on('error', reject);
      req.on('data', () => undefined);
      req.on('close', () => resolve(response));
      if (body !== undefined) req.end(body);
    });
  } finally {
    session.close();
  }
}

const grpcCall = (port: number, authority: string, method: string, metadata: Record<string, string> = {}, tls?: ClientTls) =>
  h2Request(port, { ':method': 'POST', ':path': method, ':authority': authority, 'content-type': 'application/grpc', te: 'trailers', ...metadata }, Buffer.from([0, 0, 0, 0, 0]), tls);

function imported(template: string, parameters: Record<string, string> = {}): ConversionResult {
  const result = importAppMesh([{ name: `${template}.cfn.yaml`, text: readFileSync(path.join(TEMPLATES, `${template}.cfn.yaml`), 'utf8') }], { parameters });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  expect(result.value.report.notConverted()).toEqual([]);
  return result.value;
}

/** The converted resources with each virtual node's WorkloadEntry pointed at a local port, labelled as the import says. */
function withLocalWorkloads(value: ConversionResult, ports: Record<string, number>): IstioResource[] {
  const local = value.workloads
    .filter((w) => w.kind === 'VirtualNode' && ports[w.name] !== undefined)
    .map((w) => ({ apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: w.labels['appmesh.trellis.dev/virtual-node'] ?? w.name, namespace: w.namespace }, spec: { address: '127.0.0.1', labels: w.labels, ports: Object.fromEntries(Object.keys(w.ports).map((p) => [p, ports[w.name]!])) } }) as IstioResource);
  return [...value.resources.filter((r) => r.kind !== 'WorkloadEntry'), ...local];
}

async function applyToTrellis(value: ConversionResult, resources: IstioResource[]): Promise<string> {
  const [mesh, { namespace, settings }] = Object.entries(value.meshSettings)[0]!;
  expect((await trellis.api('PUT', `/v1/meshes/${mesh}`, settings)).status).toBe(201);
  const applied = await trellis.api('POST', `/v1/meshes/${mesh}/apply`, resources);
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
  return namespace;
}

function tally(into: Record<string, number>, r: H2Response): void {
  const key = r.status === 200 && (r.grpcStatus ?? '0') === '0' ? (r.servedBy ?? '?') : `status-${r.status}/${r.grpcStatus ?? '-'}`;
  into[key] = (into[key] ?? 0) + 1;
}

function expectShare(seen: Record<string, number>, key: string, n: number, p: number): void {
  const { low, high } = binomialBounds(n, p);
  expect(seen[key] ?? 0, JSON.stringify(seen)).toBeGreaterThanOrEqual(low);
  expect(seen[key] ?? 0, JSON.stringify(seen)).toBeLessThanOrEqual(high);
}

let trellis: TestTrellis;
let xdsPort: number;

beforeAll(async () => {
  trellis = await startTestTrellis();
  xdsPort = Number(trellis.xdsAddress.split(':')[1]);
}, 30_000);

afterAll(async () => {
  await trellis?.close();
});

describe('gateway-routes.cfn.yaml: a virtual gateway with HTTP, HTTP/2 and gRPC gateway routes on a real Envoy gateway', () => {
  let gateway: TestGateway;
  let web: Upstream;
  let api: H2Upstream;
  let cart: H2Upstream;

  beforeAll(async () => {
    const value = imported('gateway-routes');
    web = await startUpstream('web');
    api = await startH2Upstream('api');
    cart = await startH2Upstream('cart', true);
    const namespace = await applyToTrellis(value, withLocalWorkloads(value, { web: web.port, api: api.port, cart: cart.port }));
    const hint = value.workloads.find((w) => w.kind === 'VirtualGateway' && w.name === 'storefront-gw')!;
    gateway = await startGateway({ xdsPort, mesh: 'storefront', namespace, workload: 'storefront-gw', labels: hint.labels, serverPorts: [8080, 8090] });
    await waitFor(async () => (await get(`http://127.0.0.1:${gateway.ports[8080]}/`, { host: 'shop.example' }).catch(() => ({ status: 0 }))).status === 200, 'the gateway routes on the Envoy', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([web?.close(), api?.close(), cart?.close()]);
  });

  it('sends / on the HTTP listener to web, with the authority rewritten to the virtual service', async () => {
    const before = web.received.length;
    const r = await get(`http://127.0.0.1:${gateway.ports[8080]}/catalog`, { host: 'shop.example' });
    expect(r).toMatchObject({ status: 200, servedBy: 'web' });
    expect(web.received.slice(before).map((x) => [x.path, x.headers.host])).toEqual([['/catalog', 'web.storefront.local']]);
  });

  it('sends /api/ with a *.storefront.example host and x-api-version: 2 to api over HTTP/2, rewriting the prefix to /v2/', async () => {
    const r = await get(`http://127.0.0.1:${gateway.ports[8080]}/api/items?page=2`, { host: 'www.storefront.example', 'x-api-version': '2' });
    expect(r).toMatchObject({ status: 200, servedBy: 'api' });
    expect(api.received.at(-1)).toMatchObject({ path: '/v2/items?page=2', authority: 'api.storefront.local' });
  });

  it('leaves /api/ to the lower-priority web route when the host suffix or the header does not match', async () => {
    const apiBefore = api.received.length;
    const wrongHost = await get(`http://127.0.0.1:${gateway.ports[8080]}/api/items`, { host: 'www.example.com', 'x-api-version': '2' });
    const wrongVersion = await get(`http://127.0.0.1:${gateway.ports[8080]}/api/items`, { host: 'www.storefront.example', 'x-api-version': '1' });
    expect([wrongHost.servedBy, wrongVersion.servedBy]).toEqual(['web', 'web']);
    expect(web.received.at(-1)!.path).toBe('/api/items');
    expect(api.received.length).toBe(apiBefore);
  });

  it('sends gRPC calls to storefront.Cart on the gRPC listener to cart', async () => {
    const r = await grpcCall(gateway.ports[8090]!, 'shop.example', '/storefront.Cart/AddItem');
    expect(r).toEqual({ status: 200, servedBy: 'cart', grpcStatus: '0' });
    expect(cart.received.at(-1)).toMatchObject({ path: '/storefront.Cart/AddItem', authority: 'cart.storefront.local' });
    // Another gRPC service matches no gateway route: Envoy answers as gRPC does, UNIMPLEMENTED (12).
    const other = await grpcCall(gateway.ports[8090]!, 'shop.example', '/storefront.Billing/Pay');
    expect(other).toEqual({ status: 200, servedBy: undefined, grpcStatus: '12' });
  });
});

describe('gateway-router.cfn.yaml: gateway routes to virtual services behind virtual routers, on a real Envoy gateway', () => {
  let gateway: TestGateway;
  const colors: Record<string, Upstream> = {};
  const prices: Record<string, H2Upstream> = {};
  const color = (p: string, headers: Record<string, string> = {}) => get(`http://127.0.0.1:${gateway.ports[8080]}${p}`, { host: 'shop.example', ...headers });

  beforeAll(async () => {
    const value = imported('gateway-router');
    for (const node of ['color_blue', 'color_red', 'color_green']) colors[node] = await startUpstream(node);
    for (const node of ['prices-v1', 'prices-v2']) prices[node] = await startH2Upstream(node, true);
    const ports = { ...Object.fromEntries(Object.entries(colors).map(([k, v]) => [k, v.port])), ...Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, v.port])) };
    const namespace = await applyToTrellis(value, withLocalWorkloads(value, ports));
    const hint = value.workloads.find((w) => w.kind === 'VirtualGateway' && w.name === 'color_gw')!;
    gateway = await startGateway({ xdsPort, mesh: 'colorgw', namespace, workload: 'color-gw', labels: hint.labels, serverPorts: [8080, 8090] });
    await waitFor(async () => (await color('/color/green').catch(() => ({ status: 0 }))).status === 200, 'the gateway routes on the Envoy', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([...Object.values(colors).map((u) => u.close()), ...Object.values(prices).map((u) => u.close())]);
  });

  it("applies the router's prefix route to the path after the gateway's rewrite: /color/green/... goes to green as /green/...", async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 20; i++) tally(seen, await color(`/color/green/${i}`));
    expect(seen).toEqual({ color_green: 20 });
    expect(colors.color_green!.received.at(-1)).toMatchObject({ path: '/green/19' });
    expect(colors.color_green!.received.at(-1)!.headers.host).toBe('color_teller.colorgw.local');
  });

  it("applies the router's header route: x-color: red goes to red whatever the path", async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 20; i++) tally(seen, await color(`/color/paint/${i}`, { 'x-color': 'red' }));
    expect(seen).toEqual({ color_red: 20 });
  });

  it("splits /color/paint 70/30 across blue and red as the router's weighted route says", async () => {
    const n = 300;
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) tally(seen, await color('/color/paint'));
    expect((seen.color_blue ?? 0) + (seen.color_red ?? 0), JSON.stringify(seen)).toBe(n);
    expectShare(seen, 'color_blue', n, 0.7);
  });

  it('answers 404, as App Mesh does, for a path under the gateway route that no router route takes', async () => {
    const before = Object.values(colors).reduce((sum, u) => sum + u.received.length, 0);
    expect((await color('/color/other')).status).toBe(404);
    expect((await color('/elsewhere')).status).toBe(404);
    expect(Object.values(colors).reduce((sum, u) => sum + u.received.length, 0)).toBe(before);
  });

  it("applies the gRPC router's method and metadata route behind the gRPC gateway route", async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 10; i++) tally(seen, await grpcCall(gateway.ports[8090]!, 'shop.example', '/shop.Prices/Quote', { 'x-beta': 'yes' }));
    for (let i = 0; i < 10; i++) tally(seen, await grpcCall(gateway.ports[8090]!, 'shop.example', '/shop.Prices/Quote'));
    expect(seen).toEqual({ 'prices-v2': 10, 'prices-v1': 10 });
    expect(prices['prices-v2']!.received.at(-1)).toMatchObject({ path: '/shop.Prices/Quote', authority: 'prices.colorgw.local' });
  });
});

describe('gateway-tls-grpc.cfn.yaml (EnableTls=true): a gRPC virtual gateway terminating TLS from the files the Condition names, in front of a gRPC router with retries, on a real Envoy gateway', () => {
  const AUTHORITY = 'edge.pricing.example';
  let gateway: TestGateway;
  let certDir: string;
  let tls: ClientTls;
  const pricing: Record<string, H2Upstream> = {};
  const quote = (method = '/pricing.Prices/Quote') => grpcCall(gateway.ports[8443]!, AUTHORITY, method, {}, tls);

  beforeAll(async () => {
    const ca = await makeTestCa('pricing edge test CA');
    const leaf = await makeTestLeaf(ca, { commonName: AUTHORITY, dns: [AUTHORITY] });
    certDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-appmesh-gateway-tls-'));
    writeFileSync(path.join(certDir, 'cert.pem'), leaf.certificatePem);
    writeFileSync(path.join(certDir, 'key.pem'), leaf.privateKeyPem, { mode: 0o600 });
    tls = { ca: ca.certificatePem, servername: AUTHORITY };
    const value = imported('gateway-tls-grpc', { CertDir: certDir });
    pricing.v1 = await startH2Upstream('pricing-v1', true);
    pricing.v2 = await startH2Upstream('pricing-v2', true);
    const namespace = await applyToTrellis(value, withLocalWorkloads(value, { pricing_v1: pricing.v1.port, pricing_v2: pricing.v2.port }));
    const hint = value.workloads.find((w) => w.kind === 'VirtualGateway' && w.name === 'edge_gw')!;
    gateway = await startGateway({ xdsPort, mesh: 'pricing', namespace, workload: 'edge-gw', labels: hint.labels, serverPorts: [8443] });
    await waitFor(async () => (await quote().catch(() => ({ status: 0 }))).status === 200, 'the TLS gateway routes on the Envoy', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(Object.values(pricing).map((u) => u.close()));
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('serves TLS with the certificate from the files, and refuses plaintext on the same port', async () => {
    const r = await quote();
    expect(r).toMatchObject({ status: 200, grpcStatus: '0' });
    // A client that trusts another CA refuses the certificate; plaintext HTTP/2 gets no answer.
    const other = await makeTestCa('another CA');
    await expect(grpcCall(gateway.ports[8443]!, AUTHORITY, '/pricing.Prices/Quote', {}, { ca: other.certificatePem, servername: AUTHORITY })).rejects.toThrow();
    await expect(grpcCall(gateway.ports[8443]!, AUTHORITY, '/pricing.Prices/Quote')).rejects.toThrow();
  });

  it("splits the router's gRPC route 90/10 behind the gateway route, with the authority rewritten to the virtual service", async () => {
    const seen: Record<string, number> = {};
    const n = 200;
    for (let i = 0; i < n; i++) tally(seen, await quote());
    expectShare(seen, 'pricing-v1', n, 0.9);
    expect((seen['pricing-v1'] ?? 0) + (seen['pricing-v2'] ?? 0)).toBe(n);
    expect(new Set([...pricing.v1!.received, ...pricing.v2!.received].map((r) => r.authority))).toEqual(new Set(['prices.pricing.local']));
  });

  it('retries UNAVAILABLE (GrpcRetryEvents unavailable) so callers see none, and answers a gRPC service no route takes UNIMPLEMENTED', async () => {
    const attempts = () => pricing.v1!.received.length + pricing.v2!.received.length;
    const before = attempts();
    for (const u of Object.values(pricing)) u.behave({ unavailableEvery: 2 });
    try {
      const seen: Record<string, number> = {};
      for (let i = 0; i < 40; i++) tally(seen, await quote());
      expect(Object.keys(seen).filter((k) => k.startsWith('status-')), JSON.stringify(seen)).toEqual([]);
      expect(attempts() - before).toBeGreaterThan(50);
    } finally {
      for (const u of Object.values(pricing)) u.behave({ unavailableEvery: 0 });
    }
    const other = await quote('/pricing.Billing/Charge');
    expect(other.grpcStatus).toBe('12');
  });
});

describe('conditional-tls.cfn.yaml (Stage=prod, so StrictTls): listener TLS STRICT and the client policy become mesh mTLS between real Envoys', () => {
  const LEDGER = 'ledger.payments.local';
  let caDir: string;
  let ledgerApp: Upstream;
  let ledger: SecureSidecar;
  let checkout: SecureSidecar;

  /** A plaintext GET straight at the ledger sidecar's inbound port, as a caller outside the mesh would send. */
  const direct = () =>
    new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: ledger.inboundPort, path: '/', agent: false, timeout: 3000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
    });

  beforeAll(async () => {
    const value = imported('conditional-tls', { Stage: 'prod' });
    expect(value.report.resources.find((r) => r.source === 'VirtualNode/payments/audit')?.outcome).toBe('converted');
    caDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-appmesh-mtls-'));
    const ca = await openEmbeddedCa({ dir: path.join(caDir, 'ca') });
    const [ledgerCert, checkoutCert] = await Promise.all([
      issueWorkloadCertificate(ca, 'spiffe://payments.default.trellis.local/ns/payments/sa/ledger'),
      issueWorkloadCertificate(ca, 'spiffe://payments.default.trellis.local/ns/payments/sa/checkout'),
    ]);
    ledgerApp = await startUpstream('ledger');
    // The ledger's workload runs a sidecar and registers itself (its WorkloadEntry is what to delete once it does, the report says).
    const namespace = await applyToTrellis(value, value.resources.filter((r) => !(r.kind === 'WorkloadEntry' && r.metadata.name === 'ledger')));
    const label = (node: string) => value.workloads.find((w) => w.kind === 'VirtualNode' && w.name === node)!.labels;
    const common = { xdsPort, mesh: 'payments', namespace };
    [ledger, checkout] = await Promise.all([
      startSecureSidecar({ ...common, workload: 'ledger', serviceAccount: 'ledger', labels: label('ledger'), appPort: ledgerApp.port, certificate: ledgerCert }),
      startSecureSidecar({ ...common, workload: 'checkout', serviceAccount: 'checkout', labels: label('checkout'), certificate: checkoutCert }),
    ]);
    await waitFor(async () => (await get(checkout.outbound, { host: LEDGER }).catch(() => ({ status: 0 }))).status === 200, 'checkout reaching the ledger', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([ledger?.stop(), checkout?.stop()]);
    await ledgerApp?.close();
    if (caDir) rmSync(caDir, { recursive: true, force: true });
  });

  it("serves checkout over mTLS, with checkout's SPIFFE ID reaching the ledger", async () => {
    ledgerApp.received.length = 0;
    for (let i = 0; i < 10; i++) expect((await get(checkout.outbound, { host: LEDGER })).status).toBe(200);
    const xfcc = ledgerApp.received.map((r) => r.headers['x-forwarded-client-cert']);
    expect(xfcc.length).toBe(10);
    expect(xfcc.every((h) => typeof h === 'string' && h.includes('URI=spiffe://payments.default.trellis.local/ns/payments/sa/checkout'))).toBe(true);
  });

  it('refuses a plaintext caller at the ledger (STRICT), as App Mesh refused one without TLS', async () => {
    // The port takes connections (checkout's mTLS ones come through it); a plaintext request gets no answer.
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(ledger.inboundPort!, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    expect(connected).toBe(true);
    expect(await direct()).toBe(0);
  });
});

describe('grpc-http2-routes.cfn.yaml: gRPC and HTTP/2 routes on virtual routers through a real Envoy sidecar', () => {
  let sidecar: TestSidecar;
  const servers: Record<string, H2Upstream> = {};

  beforeAll(async () => {
    const value = imported('grpc-http2-routes');
    for (const node of ['quotes-v1', 'quotes-v2']) servers[node] = await startH2Upstream(node, true);
    for (const node of ['stream-v1', 'stream-v2']) servers[node] = await startH2Upstream(node);
    const namespace = await applyToTrellis(value, withLocalWorkloads(value, Object.fromEntries(Object.entries(servers).map(([k, v]) => [k, v.port]))));
    sidecar = await startSidecar({ xdsPort, mesh: 'rpc', namespace, workload: 'client', labels: { app: 'client' } });
    await waitFor(async () => (await grpcCall(sidecar.outboundPort, 'quotes.rpc.local:50051', '/rpc.Quotes/List').catch(() => undefined))?.servedBy !== undefined, 'the gRPC routes on the sidecar', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await sidecar?.envoy.stop();
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  it('splits rpc.Quotes 80/20 across quotes-v1 and quotes-v2', async () => {
    const n = 300;
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) tally(seen, await grpcCall(sidecar.outboundPort, 'quotes.rpc.local:50051', '/rpc.Quotes/List'));
    expect((seen['quotes-v1'] ?? 0) + (seen['quotes-v2'] ?? 0), JSON.stringify(seen)).toBe(n);
    expectShare(seen, 'quotes-v1', n, 0.8);
  });

  it('sends GetQuote with x-beta: yes metadata to quotes-v2 only (priority 1)', async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 30; i++) tally(seen, await grpcCall(sidecar.outboundPort, 'quotes.rpc.local:50051', '/rpc.Quotes/GetQuote', { 'x-beta': 'yes' }));
    expect(seen).toEqual({ 'quotes-v2': 30 });
  });

  it('retries GetQuote on UNAVAILABLE as the route\'s gRPC retry events say (2 retries)', async () => {
    const v2 = servers['quotes-v2']!;
    const before = v2.received.length;
    v2.behave({ unavailableEvery: 2 });
    try {
      const seen: Record<string, number> = {};
      for (let i = 0; i < 30; i++) tally(seen, await grpcCall(sidecar.outboundPort, 'quotes.rpc.local:50051', '/rpc.Quotes/GetQuote', { 'x-beta': 'yes' }));
      expect(seen).toEqual({ 'quotes-v2': 30 });
      // Every other attempt was refused: 30 successes took about 45 attempts.
      expect(v2.received.length - before).toBeGreaterThanOrEqual(44);
    } finally {
      v2.behave({ unavailableEvery: 0 });
    }
  });

  it('cuts a held attempt at the 500 ms per-retry timeout; a timeout is no gRPC retry event, so the call ends UNAVAILABLE', async () => {
    const v2 = servers['quotes-v2']!;
    const before = v2.received.length;
    v2.behave({ slowEvery: 2, slowMs: 2000 });
    try {
      const seen: Record<string, number> = {};
      const started = Date.now();
      for (let i = 0; i < 6; i++) tally(seen, await grpcCall(sidecar.outboundPort, 'quotes.rpc.local:50051', '/rpc.Quotes/GetQuote', { 'x-beta': 'yes' }));
      const elapsed = Date.now() - started;
      // Retry events unavailable and deadline-exceeded are answers from the server; an attempt cut short is not retried.
      expect(seen).toEqual({ 'quotes-v2': 3, 'status-200/14': 3 });
      expect(v2.received.length - before).toBe(6);
      // Three held calls each ended at 500 ms, not at the 2 s the server held them.
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(3000);
    } finally {
      v2.behave({ slowEvery: 0 });
    }
  });

  it('splits HTTP/2 /events from mobile- clients 50/50, and matches nothing else', async () => {
    const n = 200;
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) tally(seen, await h2Request(sidecar.outboundPort, { ':method': 'GET', ':path': '/events/live', ':authority': 'stream.rpc.local:8081', 'x-client': 'mobile-ios' }));
    expectShare(seen, 'stream-v1', n, 0.5);
    expect((seen['stream-v1'] ?? 0) + (seen['stream-v2'] ?? 0), JSON.stringify(seen)).toBe(n);
    const desktop = await h2Request(sidecar.outboundPort, { ':method': 'GET', ':path': '/events/live', ':authority': 'stream.rpc.local:8081', 'x-client': 'desktop' });
    expect(desktop.status).toBe(404);
  });
});

describe('ssm-parameters.cfn.yaml (SSM parameters, an import and a condition given on the command line): a node provider through a real Envoy sidecar', () => {
  let sidecar: TestSidecar;
  let ledger: Upstream;

  beforeAll(async () => {
    const result = importAppMesh([{ name: 'ssm-parameters.cfn.yaml', text: readFileSync(path.join(TEMPLATES, 'ssm-parameters.cfn.yaml'), 'utf8') }], {
      parameters: { MeshName: 'platform', ListenerPorts: '9100,9200', ServicePort: '8443', Tier: 'gold' },
      imports: { SharedServicesDomain: 'corp.internal' },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.report.notConverted()).toEqual([]);
    ledger = await startUpstream('ledger');
    const namespace = await applyToTrellis(result.value, withLocalWorkloads(result.value, { ledger: ledger.port }));
    sidecar = await startSidecar({ xdsPort, mesh: 'platform', namespace, workload: 'client', labels: { app: 'client' } });
    await waitFor(async () => (await get(sidecar.outbound, { host: 'ledger.internal:8443' }).catch(() => ({ status: 0 }))).status === 200, 'the ledger route on the sidecar', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await sidecar?.envoy.stop();
    await ledger?.close();
  });

  it('sends ledger.internal:8443 (the port from --parameter ServicePort) to the ledger node', async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 10; i++) tally(seen, await get(sidecar.outbound, { host: 'ledger.internal:8443' }));
    expect(seen).toEqual({ ledger: 10 });
    expect(ledger.received.at(-1)!.headers.host).toBe('ledger.internal:8443');
  });
});

describe('typed-parameters.cfn.yaml (Environment=production): a weighted HTTP route with retries and timeouts through a real Envoy sidecar', () => {
  let sidecar: TestSidecar;
  const colors: Record<string, Upstream> = {};
  const edge = (p: string) => get(`${sidecar.outbound}${p}`, { host: 'catalog.shop.local' }, 10_000);

  beforeAll(async () => {
    const value = imported('typed-parameters', { Environment: 'production', VpcId: 'vpc-0123456789abcdef0' });
    for (const node of ['catalog-amber', 'catalog-teal']) colors[node] = await startUpstream(node);
    const namespace = await applyToTrellis(value, withLocalWorkloads(value, Object.fromEntries(Object.entries(colors).map(([k, v]) => [k, v.port]))));
    sidecar = await startSidecar({ xdsPort, mesh: 'shop-production', namespace, workload: 'storefront', labels: { app: 'storefront' } });
    await waitFor(async () => (await edge('/').catch(() => ({ status: 0 }))).status === 200, 'the catalog route on the sidecar', 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    await sidecar?.envoy.stop();
    await Promise.all(Object.values(colors).map((u) => u.close()));
  });

  it('splits catalog.shop.local 75/25 across catalog-amber and catalog-teal', async () => {
    const n = 400;
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) tally(seen, await edge(`/catalog/item-${i}`));
    expect((seen['catalog-amber'] ?? 0) + (seen['catalog-teal'] ?? 0), JSON.stringify(seen)).toBe(n);
    expectShare(seen, 'catalog-amber', n, 0.75);
  });

  it('retries server errors (HttpRetryEvents server-error) so callers see none', async () => {
    const attempts = () => Object.values(colors).reduce((sum, u) => sum + u.received.length, 0);
    const before = attempts();
    for (const u of Object.values(colors)) u.behave({ failEvery: 2 });
    try {
      const seen: Record<string, number> = {};
      for (let i = 0; i < 40; i++) tally(seen, await edge('/catalog/'));
      expect(Object.keys(seen).filter((k) => k.startsWith('status-')), JSON.stringify(seen)).toEqual([]);
      expect(attempts() - before).toBeGreaterThan(50);
    } finally {
      for (const u of Object.values(colors)) u.behave({ failEvery: 0 });
    }
  });

  it('cuts each attempt at the 2 s per-retry timeout and gives up at the 5 s production request timeout with 504', async () => {
    for (const u of Object.values(colors)) u.behave({ delayMs: 4000 });
    try {
      const started = Date.now();
      const r = await edge('/catalog/slow');
      const elapsed = Date.now() - started;
      expect(r.status).toBe(504);
      expect(elapsed).toBeGreaterThanOrEqual(4500);
      expect(elapsed).toBeLessThan(7000);
    } finally {
      for (const u of Object.values(colors)) u.behave({ delayMs: 0 });
    }
  }, 20_000);
});
