import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';

const HOST = 'greeter.grpc.svc.cluster.local';
const TARGET = `xds:///${HOST}:50051`;
const raw = (b: Buffer) => b;
const GREETER = {
  hello: { path: '/test.Greeter/Hello', requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
} satisfies grpc.ServiceDefinition;
const GreeterClient = grpc.makeGenericClientConstructor(GREETER, 'Greeter');

async function backend(name: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(GREETER, { hello: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(name)) });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port };
}

const vs = (stable: number, canary: number) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'greeter', namespace: 'grpc' },
  spec: {
    hosts: [HOST],
    http: [
      {
        route: [
          { destination: { host: HOST, subset: 'stable' }, weight: stable },
          { destination: { host: HOST, subset: 'canary' }, weight: canary },
        ],
      },
    ],
  },
});

let trellis: TestTrellis;
let client: grpc.Client;
const servers: grpc.Server[] = [];

function hello(): Promise<string> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest('/test.Greeter/Hello', raw, raw, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (err, value) => (err ? reject(err) : resolve(value!.toString()))),
  );
}

async function tally(n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const who = await hello();
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

beforeAll(async () => {
  grpcXds.register();
  trellis = await startTestTrellis();
  const stable = await backend('stable');
  const canary = await backend('canary');
  servers.push(stable.server, canary.server);
  expect((await trellis.api('PUT', '/v1/meshes/grpc-demo', {})).status).toBe(201);
  const applied = await trellis.api('POST', '/v1/meshes/grpc-demo/apply', [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'greeter', namespace: 'grpc' },
      spec: { hosts: [HOST], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 50051, name: 'grpc', protocol: 'GRPC' }], workloadSelector: { labels: { app: 'greeter' } } },
    },
    { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'greeter-stable', namespace: 'grpc' }, spec: { address: '127.0.0.1', ports: { grpc: stable.port }, labels: { app: 'greeter', track: 'stable' } } },
    { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'greeter-canary', namespace: 'grpc' }, spec: { address: '127.0.0.1', ports: { grpc: canary.port }, labels: { app: 'greeter', track: 'canary' } } },
    { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'greeter', namespace: 'grpc' }, spec: { host: HOST, subsets: [{ name: 'stable', labels: { track: 'stable' } }, { name: 'canary', labels: { track: 'canary' } }] } },
    vs(80, 20),
  ]);
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);

  const bootstrap = {
    xds_servers: [{ server_uri: trellis.xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'frontend-grpc~127.0.0.1', locality: {}, metadata: { TRELLIS_MESH: 'grpc-demo', TRELLIS_PROXY_KIND: 'grpc', NAMESPACE: 'grpc', SERVICE_ACCOUNT: 'frontend', WORKLOAD_NAME: 'frontend' } },
  };
  client = new GreeterClient(TARGET, grpc.credentials.createInsecure(), { 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap) });
}, 60_000);

afterAll(async () => {
  client?.close();
  for (const s of servers) s.forceShutdown();
  await trellis?.close();
});

describe('a proxyless grpc-js-xds client served by Trellis', () => {
  it('calls a mesh service by xds:/// name with 80/20 weighted routing honoured', async () => {
    const seen = await tally(400);
    // 400 draws at p = 0.8: the stable share stays within 0.72..0.88 with overwhelming probability.
    expect((seen.stable ?? 0) + (seen.canary ?? 0)).toBe(400);
    expect(seen.stable! / 400).toBeGreaterThan(0.72);
    expect(seen.stable! / 400).toBeLessThan(0.88);
  });

  it('follows a change made through the API', async () => {
    const res = await trellis.api('PUT', '/v1/meshes/grpc-demo/resources/virtualservices/grpc/greeter', vs(0, 100));
    expect(res.status).toBe(200);
    const revision = Number(res.headers.get('x-trellis-revision'));
    type Proxy = { proxyId: string; protocol: string; revision?: number; types: Record<string, { state: string }> };
    let grpcProxy: Proxy | undefined;
    // The client has the new route once it ACKed the revision's config.
    await waitFor(async () => {
      const proxies = await trellis.api('GET', '/v1/meshes/grpc-demo/proxies');
      grpcProxy = (proxies.json as { items: Proxy[] }).items.find((p) => p.proxyId === 'frontend-grpc~127.0.0.1');
      return !!grpcProxy && (grpcProxy.revision ?? 0) >= revision && Object.values(grpcProxy.types).every((t) => t.state === 'SYNCED');
    }, 'the client to ACK the new route', 10_000, 50);
    expect(grpcProxy?.protocol).toBe('sotw');
    expect(await tally(50)).toEqual({ canary: 50 });
  });
});
