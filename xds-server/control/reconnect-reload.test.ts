import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import { InMemoryWorkloadRegistry } from '../../core/adapters/embedded/registry/index.ts';
import type { RegisteredWorkload } from '../../core/registry/index.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import { ENDPOINT_TYPE_URL } from '../protos/index.ts';
import { decodeAny, openSotw, type SotwResponseMessage, type TestStream } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { str, num, labels } from '../server/testing/struct-values.ts';

// A sidecar that reconnects (to a restarted replica, or another one) is written to the registry
// again with a new `since` and holder, and every replica hears of it. Nothing translation reads
// changed, so the mesh is not indexed and translated again for it; any other change of the
// registrations is, and so is the mesh whenever its config, settings or credentials were announced.

const CLA = 'outbound|9080||reviews.shop.svc.cluster.local';
const DEBOUNCE = { quietMs: 20, maxDelayMs: 100 };
/** Longer than a debounced reload of this small mesh takes, many times over. */
const SETTLE_MS = 600;

let dir: string;
let store: ConfigStore;
const bus = new InProcessBus();
const registry = new InMemoryWorkloadRegistry();
let xds: RunningXds;
let stream: TestStream<SotwResponseMessage>;
/** Every "mesh indexed" the control plane logged. */
const indexed: number[] = [];

const entry = (fields: Partial<RegisteredWorkload>): RegisteredWorkload => ({
  tenantId: 'default',
  mesh: 'prod',
  id: 'shop/reviews/reviews-0',
  namespace: 'shop',
  name: 'reviews-0',
  serviceAccount: 'reviews',
  address: '10.1.0.1',
  labels: { app: 'reviews' },
  source: 'proxy',
  replica: 'replica-a',
  since: new Date(0).toISOString(),
  expiresAt: new Date(Date.now() + 600_000).toISOString(),
  ...fields,
});

const announceWorkloads = () => bus.publish({ tenantId: 'default', mesh: 'prod', revision: 0, reason: 'workloads', at: new Date().toISOString() });
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

/** The addresses of the next EDS response's endpoints (ACKed). */
async function nextEndpoints(): Promise<string[]> {
  const r = await stream.next(10_000);
  stream.send({ type_url: ENDPOINT_TYPE_URL, version_info: r.version_info, response_nonce: r.nonce, resource_names: [CLA] });
  const cla = decodeAny(r.resources[0]!) as { endpoints?: { lb_endpoints?: { endpoint?: { address?: { socket_address?: { address?: string } } } }[] }[] };
  return (cla.endpoints ?? []).flatMap((l) => (l.lb_endpoints ?? []).map((e) => e.endpoint?.address?.socket_address?.address ?? ''));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-reconnect-reload-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'default' });
  await store.putMesh('default', 'prod', {});
  await store.commit({
    tenantId: 'default',
    mesh: 'prod',
    author: 'test',
    changes: [{ op: 'put', resource: { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'reviews', namespace: 'shop' }, spec: { hosts: ['reviews.shop.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: 'reviews' } } } } }],
  });
  await registry.put([entry({})]);
  const logger = pino({ level: 'debug' }, { write: (line: string) => void ((JSON.parse(line) as { msg?: string }).msg === 'mesh indexed' && indexed.push(Date.now())) });
  xds = await startXds({ store, bus, registry, logger, address: '127.0.0.1:0', debounce: DEBOUNCE, reconcileIntervalMs: 600_000 });
  stream = openSotw(xds.port);
  // A sidecar of another workload: its EDS subscription shows what reviews' endpoints are.
  stream.send({
    node: { id: 'web-0', metadata: { fields: { TRELLIS_MESH: str('prod'), NAMESPACE: str('shop'), WORKLOAD_NAME: str('web'), SERVICE_ACCOUNT: str('web'), INSTANCE_IP: str('127.4.0.1'), APP_PORT: num(8080), LABELS: labels({ app: 'web' }) } } },
    type_url: ENDPOINT_TYPE_URL,
    resource_names: [CLA],
  });
});

afterAll(async () => {
  stream.close();
  await xds.stop();
  await registry.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reloads after a workloads announcement', () => {
  it('leave the mesh as it is when only when and where a sidecar connected changed, and index it for anything else', async () => {
    expect(await nextEndpoints()).toEqual(['10.1.0.1']);
    await settle();
    const loaded = indexed.length;
    expect(loaded).toBeGreaterThan(0);

    // The sidecar reconnected to another replica: a new `since` and holder, nothing else.
    await registry.put([entry({ replica: 'replica-b', since: new Date(60_000).toISOString() })]);
    await announceWorkloads();
    await settle();
    expect(indexed.length).toBe(loaded);

    // It moved to another address: the mesh is indexed again and the endpoint follows.
    await registry.put([entry({ replica: 'replica-b', address: '10.1.0.2' })]);
    await announceWorkloads();
    expect(await nextEndpoints()).toEqual(['10.1.0.2']);
    expect(indexed.length).toBe(loaded + 1);
  });

  it('read the mesh in full when its settings or credentials were announced in the same window', async () => {
    await settle();
    const before = indexed.length;
    await registry.put([entry({ replica: 'replica-c', address: '10.1.0.2', since: new Date(120_000).toISOString() })]);
    await announceWorkloads();
    await bus.publish({ tenantId: 'default', mesh: 'prod', revision: 0, reason: 'mesh-updated', at: new Date().toISOString() });
    await settle();
    expect(indexed.length).toBe(before + 1);
  });
});
