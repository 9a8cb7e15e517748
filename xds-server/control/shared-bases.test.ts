import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../../core/adapters/embedded/bus/in-process-bus.ts';
import type { ConfigStore } from '../../core/store/config-store.ts';
import type { IstioResource } from '../../core/resources/resource.ts';
import { CLUSTER_TYPE_URL } from '../protos/index.ts';
import { namesOf, openSotw, type SotwResponseMessage, type TestStream } from '../server/testing/ads-client.ts';
import { startXds, type RunningXds } from '../start-xds.ts';
import { str, num, labels } from '../server/testing/struct-values.ts';

// Proxies of different workloads (different labels) translate alike unless something selects them
// by label: their scopes share one base in the cache, and a Sidecar selecting one splits it off.

const api: IstioResource = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'api', namespace: 'shop' },
  spec: { hosts: ['api.example.com'], location: 'MESH_EXTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '10.200.0.2' }] },
} as IstioResource;
const onlyOther: IstioResource = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'Sidecar',
  metadata: { name: 'web-0-only-other', namespace: 'shop' },
  spec: { workloadSelector: { labels: { app: 'web-0' } }, egress: [{ hosts: ['./other.example.com'] }] },
} as IstioResource;

let dir: string;
let store: ConfigStore;
const bus = new InProcessBus();
let xds: RunningXds;
const streams: TestStream<SotwResponseMessage>[] = [];
/** Every CDS response each proxy got, as cluster names, in order. */
const seen: string[][][] = [];

const hasApi = (names: string[]) => names.some((n) => n.includes('api.example.com'));

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads and ACKs CDS responses of proxy `i` for as long as its stream is open. */
async function follow(i: number): Promise<void> {
  const s = streams[i]!;
  for (;;) {
    let r: SotwResponseMessage;
    try {
      r = await s.next(60_000);
    } catch {
      return;
    }
    seen[i]!.push(namesOf(r));
    s.send({ type_url: CLUSTER_TYPE_URL, version_info: r.version_info, response_nonce: r.nonce, resource_names: [] });
  }
}

async function commit(change: { op: 'put'; resource: IstioResource } | { op: 'delete'; key: { kind: string; namespace: string; name: string } }): Promise<void> {
  const result = await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [change as never] });
  await bus.publish({ tenantId: 'default', mesh: 'prod', revision: result.revision, reason: 'commit', at: new Date().toISOString() });
}

const last = (i: number) => seen[i]!.at(-1) ?? [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-shared-bases-'));
  store = await openEmbeddedStore({ dir });
  await store.createTenant({ id: 'default' });
  await store.putMesh('default', 'prod', {});
  await store.commit({ tenantId: 'default', mesh: 'prod', author: 'test', changes: [{ op: 'put', resource: api }] });
  xds = await startXds({ store, bus, logger: pino({ level: 'silent' }), address: '127.0.0.1:0', debounce: { quietMs: 20, maxDelayMs: 200 } });
  for (let i = 0; i < 3; i++) {
    const s = openSotw(xds.port);
    streams.push(s);
    seen.push([]);
    s.send({
      node: { id: `web-${i}`, metadata: { fields: { TRELLIS_MESH: str('prod'), NAMESPACE: str('shop'), WORKLOAD_NAME: str(`web-${i}`), SERVICE_ACCOUNT: str('web'), INSTANCE_IP: str(`127.3.0.${i + 1}`), APP_PORT: num(8080), LABELS: labels({ app: `web-${i}` }) } } },
      type_url: CLUSTER_TYPE_URL,
    });
    void follow(i);
  }
});

afterAll(async () => {
  for (const s of streams) s.close();
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shared bases of proxy groups', () => {
  it('layers proxies of three workloads on one base: three scopes of their own plus one', async () => {
    await until(() => [0, 1, 2].every((i) => hasApi(last(i))), 'every proxy holding the api cluster');
    expect(xds.cache.stats().scopes).toBe(4);
    // Each still gets its own inbound side.
    for (let i = 0; i < 3; i++) expect(last(i).some((n) => n.startsWith('inbound|8080'))).toBe(true);
  });

  it('splits off the workload a Sidecar selects, never showing the others its config, and joins it again when the Sidecar goes', async () => {
    const from = seen.map((responses) => responses.length);
    await commit({ op: 'put', resource: onlyOther });
    await until(() => !hasApi(last(0)), 'web-0 without the api cluster');
    expect(xds.cache.stats().scopes).toBe(5);
    await new Promise((r) => setTimeout(r, 300));
    // web-1 and web-2 were never sent web-0's restricted config, whatever they were sent.
    for (const i of [1, 2]) for (const names of seen[i]!.slice(from[i])) expect(hasApi(names)).toBe(true);
    expect(last(0).some((n) => n.startsWith('inbound|8080'))).toBe(true);

    await commit({ op: 'delete', key: { kind: 'Sidecar', namespace: 'shop', name: 'web-0-only-other' } });
    await until(() => hasApi(last(0)), 'web-0 with the api cluster again');
    await until(() => xds.cache.stats().scopes === 4, 'one base again');
    for (let i = 0; i < 3; i++) expect(hasApi(last(i))).toBe(true);
  });

  it('forgets a base with the last proxy on it', async () => {
    for (const s of streams) s.close();
    await until(() => xds.cache.stats().scopes === 0, 'no scope left');
  });
});
