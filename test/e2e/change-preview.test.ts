import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigPreview } from '../../core/proxies/config-preview.ts';
import type { SendEvent } from '../../xds-server/server/index.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { waitFor } from '../support/ports.ts';

const HOST = 'reviews.shop.svc.cluster.local';
const TYPE_NAMES: Record<string, string> = { Cluster: 'cds', ClusterLoadAssignment: 'eds', Listener: 'lds', RouteConfiguration: 'rds' };

let trellis: TestTrellis;
let upstream: Upstream;
let sidecar: TestSidecar;
const sends: SendEvent[] = [];

const service = (name: string, port: number) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name, namespace: 'shop' },
  spec: { hosts: [`${name}.shop.svc.cluster.local`], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: '127.0.0.1', ports: { http: port } }] },
});
const split = (w: number) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'shop' },
  spec: { hosts: [HOST], http: [{ route: [{ destination: { host: HOST }, weight: w }, { destination: { host: `ratings.shop.svc.cluster.local` }, weight: 100 - w }] }] },
});

async function dryRun(docs: unknown[]): Promise<{ revision: number; proxies: ConfigPreview }> {
  const res = await trellis.api('POST', '/v1/meshes/demo/apply?dryRun=true', docs);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { revision: number; proxies: ConfigPreview };
}

beforeAll(async () => {
  trellis = await startTestTrellis({ xds: { observe: { onSend: (e) => void sends.push(e) } } });
  upstream = await startUpstream('reviews');
  await trellis.api('PUT', '/v1/meshes/demo', {});
  expect((await trellis.api('POST', '/v1/meshes/demo/apply', [service('reviews', upstream.port), service('ratings', upstream.port), split(90)])).status).toBe(200);
  sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: 'shop', workload: 'web' });
  await waitFor(async () => (await get(sidecar.outbound, { host: HOST })).status === 200, 'routing', 20_000, 100);
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  await upstream?.close();
});

describe('diff before apply: per proxy group, from the real translation', () => {
  it('shows the route change a weight edit makes, with a field diff, and stores nothing', async () => {
    const before = (await trellis.api('GET', '/v1/meshes/demo')).json as { revision: number };
    const preview = await dryRun([split(50)]);
    expect(preview.revision).toBe(before.revision);
    expect(preview.proxies.proxiesAffected).toBe(1);
    expect(preview.proxies.groups).toHaveLength(1);
    const [group] = preview.proxies.groups;
    expect(group).toMatchObject({ kind: 'sidecar', namespace: 'shop', proxies: 1 });
    expect(group!.changes.map((c) => `${c.type} ${c.action} ${c.name}`)).toEqual(['rds changed outbound|http']);
    const diff = group!.changes[0]!.diff!.join('\n');
    expect(diff).toMatch(/^- .*weighted_clusters\.clusters\[0\]\.weight(\.value)?: 90$/m);
    expect(diff).toMatch(/^\+ .*weighted_clusters\.clusters\[0\]\.weight(\.value)?: 50$/m);
    expect(((await trellis.api('GET', '/v1/meshes/demo')).json as { revision: number }).revision).toBe(before.revision);
  });

  it('previews exactly what applying then pushes', async () => {
    const docs = [service('details', upstream.port), split(70)];
    const preview = await dryRun(docs);
    const predicted = preview.proxies.groups.flatMap((g) => g.changes.filter((c) => c.action !== 'removed').map((c) => `${c.type} ${c.name}`)).sort();
    expect(predicted).toEqual(expect.arrayContaining(['cds outbound|9080||details.shop.svc.cluster.local', 'eds outbound|9080||details.shop.svc.cluster.local', 'rds outbound|http']));

    sends.length = 0;
    expect((await trellis.api('POST', '/v1/meshes/demo/apply', docs)).status).toBe(200);
    await waitFor(() => sends.some((e) => e.typeUrl.endsWith('RouteConfiguration') || e.typeUrl.endsWith('.VirtualHost')), 'the push', 10_000, 20);
    await new Promise((r) => setTimeout(r, 300));
    // A delta Envoy gets a route configuration's virtual hosts apart (VHDS, `<route configuration>/<host>`): they are that configuration's change.
    const named = (typeUrl: string, name: string) => (typeUrl.endsWith('.VirtualHost') ? `rds ${name.slice(0, name.lastIndexOf('/'))}` : `${TYPE_NAMES[typeUrl.split('.').pop()!]} ${name}`);
    const pushed = [...new Set(sends.flatMap((e) => e.resources.map((r) => named(e.typeUrl, r.name))))].sort();
    expect(pushed).toEqual(predicted);
  });
});
