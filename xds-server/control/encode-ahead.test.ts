import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import { CLUSTER_TYPE_URL, LISTENER_TYPE_URL } from '../protos/index.ts';
import { namesOf, openSotw, type SotwResponseMessage, type TestStream } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { str, num, labels } from '../server/testing/struct-values.ts';

// A mesh's shared config is encoded ahead, in turns of the event loop, before it is published:
// the publish itself (one synchronous step every stream of the mesh waits behind) encodes nothing,
// whether it is a mesh's first proxy or a revision that changes many resources.

const service = (i: number): IstioResource =>
  ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: `api-${i}`, namespace: 'shop' },
    spec: { hosts: [`api-${i}.example.com`], location: 'MESH_EXTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: `10.200.0.${i + 1}` }] },
  }) as IstioResource;

let dir: string;
let store: ConfigStore;
const bus = new InProcessBus();
let xds: RunningXds;
let stream: TestStream<SotwResponseMessage>;
let gatewayStream: TestStream<SotwResponseMessage> | undefined;
/** Resources encoded inside each publish of a shared base or a gateway's group, by scope. */
const encodedInPublish: { scope: string; encoded: number }[] = [];
/** The same for every publish a gateway's group scope got. */
const encodedInGatewayPublish: { scope: string; encoded: number }[] = [];

async function commit(resources: IstioResource[]): Promise<number> {
  const result = await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: resources.map((resource) => ({ op: 'put' as const, resource })) });
  await bus.publish({ tenantId: 'default', mesh: 'prod', revision: result.revision, reason: 'commit', at: new Date().toISOString() });
  return result.revision;
}

/** CDS responses until one holds `count` clusters for the api services, ACKing each. */
async function untilClusters(count: number): Promise<string[]> {
  for (;;) {
    const r = await stream.next(15_000);
    stream.send({ type_url: CLUSTER_TYPE_URL, version_info: r.version_info, response_nonce: r.nonce, resource_names: [] });
    const names = namesOf(r);
    if (names.filter((n) => n.includes('.example.com')).length === count) return names;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-encode-ahead-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'default' });
  await store.putMesh('default', 'prod', {});
  await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: Array.from({ length: 20 }, (_, i) => ({ op: 'put' as const, resource: service(i) })) });
  xds = await startXds({ store, bus, logger: pino({ level: 'silent' }), address: '127.0.0.1:0', debounce: { quietMs: 20, maxDelayMs: 200 } });
  const cache = xds.cache;
  const setSnapshot = cache.setSnapshot.bind(cache);
  cache.setSnapshot = (scope, byType) => {
    const before = cache.stats().encodes.resources;
    const result = setSnapshot(scope, byType);
    if (scope.includes('~shared-')) encodedInPublish.push({ scope, encoded: cache.stats().encodes.resources - before });
    if (scope.includes('ingressgateway')) encodedInGatewayPublish.push({ scope, encoded: cache.stats().encodes.resources - before });
    return result;
  };
  stream = openSotw(xds.port);
  stream.send({
    node: { id: 'web-0', metadata: { fields: { TRELLIS_MESH: str('prod'), NAMESPACE: str('shop'), WORKLOAD_NAME: str('web-0'), SERVICE_ACCOUNT: str('web'), INSTANCE_IP: str('127.3.0.1'), APP_PORT: num(8080), LABELS: labels({ app: 'web' }) } } },
    type_url: CLUSTER_TYPE_URL,
  });
});

afterAll(async () => {
  gatewayStream?.close();
  stream.close();
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('encoding ahead of publishing', () => {
  it("publishes a mesh's first base with everything already encoded", async () => {
    const names = await untilClusters(20);
    expect(names.some((n) => n.startsWith('inbound|8080'))).toBe(true);
    expect(encodedInPublish.length).toBeGreaterThan(0);
    expect(encodedInPublish.filter((p) => p.encoded > 0)).toEqual([]);
    // The encodings happened, just not inside the publish.
    expect(xds.cache.stats().encodes.resources).toBeGreaterThan(40);
  });

  it('publishes a revision that adds twenty services with everything already encoded', async () => {
    const from = encodedInPublish.length;
    const before = xds.cache.stats().encodes.resources;
    await commit(Array.from({ length: 20 }, (_, i) => service(20 + i)));
    await untilClusters(40);
    expect(xds.cache.stats().encodes.resources - before).toBeGreaterThanOrEqual(40);
    expect(encodedInPublish.length).toBeGreaterThan(from);
    expect(encodedInPublish.slice(from).filter((p) => p.encoded > 0)).toEqual([]);
  });

  it("publishes a new gateway's config (its own group scope, translated apart) with everything already encoded", async () => {
    const revision = await commit([
      { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'public', namespace: 'ingress' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } } as IstioResource,
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'public', namespace: 'ingress' }, spec: { hosts: ['*'], gateways: ['public'], http: [{ route: [{ destination: { host: 'api-0.example.com' } }] }] } } as IstioResource,
    ]);
    const deadline = Date.now() + 15_000;
    while ((await xds.controlPlane.list('default', 'prod'))[0]?.revision !== revision) {
      if (Date.now() > deadline) throw new Error('the sidecar never reached the new revision');
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = xds.cache.stats().encodes.resources;
    gatewayStream = openSotw(xds.port);
    gatewayStream.send({
      node: { id: 'ingress-0', metadata: { fields: { TRELLIS_MESH: str('prod'), TRELLIS_PROXY_KIND: str('gateway'), NAMESPACE: str('ingress'), WORKLOAD_NAME: str('ingress'), SERVICE_ACCOUNT: str('ingress'), LABELS: labels({ istio: 'ingressgateway' }) } } },
      type_url: LISTENER_TYPE_URL,
    });
    const listeners = await gatewayStream.next(15_000);
    expect(namesOf(listeners).length).toBeGreaterThan(0);
    // Its listener is content no sidecar has: encoded, ahead of the publish.
    expect(xds.cache.stats().encodes.resources).toBeGreaterThan(before);
    expect(encodedInGatewayPublish.length).toBeGreaterThan(0);
    expect(encodedInGatewayPublish.filter((p) => p.encoded > 0)).toEqual([]);
  });
});
