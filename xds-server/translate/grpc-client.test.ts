import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adsPackageDefinition, CLUSTER_TYPE_URL, encodeResource, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../protos/index.ts';
import { buildMeshIndex } from './mesh/build-mesh-index.ts';
import { istio } from './testing/resources.ts';
import { translateGrpcClient } from './translate-grpc-client.ts';
import type { TranslationResult } from './translation-result.ts';

const TARGET = 'greeter.grpc.svc.cluster.local:50051';
const raw = (b: Buffer) => b;
const GREETER = {
  hello: { path: '/test.Greeter/Hello', requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
} satisfies grpc.ServiceDefinition;
const GreeterClient = grpc.makeGenericClientConstructor(GREETER, 'Greeter');

interface AdsRequest {
  type_url: string;
  response_nonce?: string;
}

/** A minimal state-of-the-world ADS answering each type once with every translated resource of it. */
function adsService(result: TranslationResult): grpc.UntypedServiceImplementation {
  const byType = new Map([
    [LISTENER_TYPE_URL, result.listeners],
    [ROUTE_TYPE_URL, result.routes],
    [CLUSTER_TYPE_URL, result.clusters],
    [ENDPOINT_TYPE_URL, result.endpoints],
  ] as const);
  return {
    StreamAggregatedResources(call: grpc.ServerDuplexStream<AdsRequest, unknown>) {
      const sent = new Set<string>();
      let nonce = 0;
      call.on('data', (req: AdsRequest) => {
        if (sent.has(req.type_url)) return;
        sent.add(req.type_url);
        const list = byType.get(req.type_url as typeof LISTENER_TYPE_URL) ?? [];
        const resources = list.map((r) => ({ type_url: req.type_url, value: Buffer.from(encodeResource(req.type_url, r.resource, r.name)) }));
        call.write({ version_info: '1', type_url: req.type_url, nonce: String(++nonce), resources });
      });
      call.on('end', () => call.end());
    },
  };
}

async function startServer(add: (s: grpc.Server) => void): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  add(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port };
}

function backend(name: string) {
  return startServer((s) => s.addService(GREETER, { hello: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(name)) }));
}

// Proxyless gRPC (grpc-js-xds) consumes what translateGrpcClient produces and routes by it.
describe('proxyless gRPC client on translated config', () => {
  const servers: grpc.Server[] = [];
  let client: grpc.Client;

  beforeAll(async () => {
    grpcXds.register();
    const stable = await backend('stable');
    const canary = await backend('canary');
    servers.push(stable.server, canary.server);
    const index = buildMeshIndex({
      tenantId: 't',
      mesh: 'm',
      revision: 1,
      settings: {},
      resources: [
        istio('ServiceEntry', 'grpc', 'greeter', {
          hosts: ['greeter.grpc.svc.cluster.local'],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          ports: [{ number: 50051, name: 'grpc', protocol: 'GRPC' }],
          workloadSelector: { labels: { app: 'greeter' } },
        }),
        istio('DestinationRule', 'grpc', 'greeter', { host: 'greeter', subsets: [{ name: 'stable', labels: { track: 'stable' } }, { name: 'canary', labels: { track: 'canary' } }] }),
        istio('VirtualService', 'grpc', 'greeter', {
          hosts: ['greeter'],
          http: [
            { name: 'pinned', match: [{ headers: { 'x-track': { exact: 'canary' } } }], route: [{ destination: { host: 'greeter', subset: 'canary' } }] },
            { name: 'split', route: [{ destination: { host: 'greeter', subset: 'stable' }, weight: 50 }, { destination: { host: 'greeter', subset: 'canary' }, weight: 50 }] },
          ],
        }),
      ],
      workloads: [
        { name: 'g1', namespace: 'grpc', address: '127.0.0.1', labels: { app: 'greeter', track: 'stable' }, serviceAccount: 'greeter', ports: { grpc: stable.port }, locality: 'local/a' },
        { name: 'g2', namespace: 'grpc', address: '127.0.0.1', labels: { app: 'greeter', track: 'canary' }, serviceAccount: 'greeter', ports: { grpc: canary.port }, locality: 'local/b' },
      ],
    });
    const result = translateGrpcClient(index, { kind: 'grpc', namespace: 'grpc', serviceAccount: 'client', workload: 'client-1', labels: { app: 'client' }, inbound: undefined });
    const proto = grpc.loadPackageDefinition(adsPackageDefinition()) as unknown as {
      envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: { service: grpc.ServiceDefinition } } } } };
    };
    const ads = await startServer((s) => s.addService(proto.envoy.service.discovery.v3.AggregatedDiscoveryService.service, adsService(result)));
    servers.push(ads.server);
    const bootstrap = {
      xds_servers: [{ server_uri: `127.0.0.1:${ads.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'client-1', locality: {} },
    };
    client = new GreeterClient(`xds:///${TARGET}`, grpc.credentials.createInsecure(), { 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap) });
  });

  afterAll(() => {
    client?.close();
    for (const s of servers) s.forceShutdown();
  });

  const hello = (metadata = new grpc.Metadata()) =>
    new Promise<string>((resolve, reject) =>
      (client as unknown as { hello: (req: Buffer, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: Error | null, res?: Buffer) => void) => void }).hello(
        Buffer.alloc(0),
        metadata,
        { deadline: Date.now() + 10_000 },
        (err, res) => (err ? reject(err) : resolve(res?.toString() ?? '')),
      ),
    );

  it('routes a header match to its subset', async () => {
    const md = new grpc.Metadata();
    md.set('x-track', 'canary');
    for (let i = 0; i < 5; i++) expect(await hello(md)).toBe('canary');
  });

  it('splits by weight across both subsets', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 2; i++) seen.add(await hello());
    expect([...seen].sort()).toEqual(['canary', 'stable']);
  });
});
