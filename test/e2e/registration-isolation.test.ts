import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';
import { waitFor } from '../support/ports.ts';
import http from 'node:http';
import type { SendEvent } from '../../xds-server/server/index.ts';

const DETAILS = 'details.shop.svc.cluster.local';
const serviceEntry = (host: string, app: string) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: app, namespace: 'shop' },
  spec: { hosts: [host], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app } } },
});

type WorkloadList = { items: { name: string; address: string; labels: Record<string, string>; inboundPort?: number; serviceAccount: string; replica: string }[] };

let trellis: TestTrellis;
let details: Upstream;
const sends: SendEvent[] = [];
const sidecars: TestSidecar[] = [];
const xdsPort = () => Number(trellis.xdsAddress.split(':')[1]);

beforeAll(async () => {
  trellis = await startTestTrellis({ xds: { observe: { onSend: (e) => void sends.push(e) } } });
  details = await startUpstream('details');
}, 30_000);

afterAll(async () => {
  for (const s of sidecars) await s.envoy.stop();
  await trellis?.close();
  await details?.close();
});

describe('sidecar auto-registration', () => {
  it('registers a connected sidecar in the workload registry (no config revision) so peers reach it through its inbound listener, and unregisters it after the grace period', async () => {
    expect((await trellis.api('PUT', '/v1/meshes/shop', {})).status).toBe(201);
    expect((await trellis.api('POST', '/v1/meshes/shop/apply', [serviceEntry(DETAILS, 'details')])).status).toBe(200);

    const detailsSidecar = await startSidecar({ xdsPort: xdsPort(), mesh: 'shop', namespace: 'shop', workload: 'details', labels: { app: 'details', version: 'v1' }, appPort: details.port });
    sidecars.push(detailsSidecar);
    let entries: WorkloadList['items'] = [];
    await waitFor(async () => {
      entries = ((await trellis.api('GET', '/v1/meshes/shop/workloads')).json as WorkloadList).items;
      return entries.length === 1;
    }, 'the registered workload of the connected sidecar', 10_000, 50);
    expect(entries[0]).toMatchObject({ address: '127.0.0.1', labels: { app: 'details', version: 'v1' }, inboundPort: detailsSidecar.inboundPort, serviceAccount: 'details', replica: 'local' });
    expect(((await trellis.api('GET', '/v1/meshes/shop/resources/workloadentries/shop')).json as { items: unknown[] }).items).toEqual([]);
    const revisions = (await trellis.api('GET', '/v1/meshes/shop/revisions')).json as { items: { author: string }[] };
    expect(revisions.items.map((r) => r.author)).not.toContain('system:auto-registration');
    expect(revisions.items).toHaveLength(1);

    const client = await startSidecar({ xdsPort: xdsPort(), mesh: 'shop', namespace: 'shop', workload: 'productpage', labels: { app: 'productpage' } });
    sidecars.push(client);
    await waitFor(async () => (await get(client.outbound, { host: 'details' })).status === 200, 'productpage → details through both sidecars', 15_000, 100);
    const before = details.received.length;
    const r = await get(client.outbound, { host: 'details' });
    expect(r).toMatchObject({ status: 200, servedBy: 'details' });
    expect(details.received.length).toBe(before + 1);

    await detailsSidecar.envoy.stop();
    await waitFor(async () => ((await trellis.api('GET', '/v1/meshes/shop/workloads')).json as WorkloadList).items.length === 0, 'unregistration after the grace period', 10_000, 100);
  });
});

describe('tenant isolation on the xDS path', () => {
  it("pushes a tenant's change only to that tenant's proxies", async () => {
    const keys: Record<string, string> = {};
    for (const tenant of ['acme', 'globex']) {
      expect((await trellis.api('POST', '/v1/tenants', { id: tenant })).status).toBe(201);
      keys[tenant] = ((await trellis.api('POST', `/v1/tenants/${tenant}/api-keys`, {})).json as { key: string }).key;
    }
    const as = async (tenant: string, method: string, p: string, body?: unknown) => {
      const res = await fetch(`${trellis.apiUrl}${p}`, { method, headers: { authorization: `Bearer ${keys[tenant]}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      expect(res.status, `${tenant} ${method} ${p}`).toBeLessThan(300);
    };
    for (const tenant of ['acme', 'globex']) {
      await as(tenant, 'PUT', '/v1/meshes/prod', {});
      await as(tenant, 'POST', '/v1/meshes/prod/apply', [
        { ...serviceEntry(DETAILS, 'details'), spec: { ...serviceEntry(DETAILS, 'details').spec, workloadSelector: undefined, endpoints: [{ address: '127.0.0.1', ports: { http: details.port } }] } },
      ]);
    }
    const [acmeProxy, globexProxy] = await Promise.all(
      (['acme', 'globex'] as const).map(async (tenant) => {
        const s = await startSidecar({ xdsPort: xdsPort(), mesh: 'prod', namespace: 'shop', workload: `web-${tenant}`, tenant });
        sidecars.push(s);
        await waitFor(async () => (await get(s.outbound, { host: 'details' })).status === 200, `${tenant} routing`, 15_000, 100);
        return s;
      }),
    ) as [TestSidecar, TestSidecar];
    const globexLds = await globexProxy.envoy.stat('listener_manager.lds.update_success');
    const globexRds = await globexProxy.envoy.stat('http.outbound_http.rds.outbound|http.update_success');
    expect(globexLds).toBeGreaterThan(0);
    expect(globexRds).toBeGreaterThan(0);
    sends.length = 0;

    await as('acme', 'PUT', '/v1/meshes/prod/resources/virtualservices/shop/details', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'details', namespace: 'shop' },
      spec: { hosts: [DETAILS], http: [{ route: [{ destination: { host: DETAILS } }], headers: { response: { set: { 'x-tenant': 'acme' } } } }] },
    });
    await waitFor(async () => (await tenantHeader(acmeProxy)) === 'acme', 'acme change to reach acme', 10_000, 50);
    await new Promise((r) => setTimeout(r, 500));

    expect(sends.length).toBeGreaterThan(0);
    expect(sends.every((e) => e.scope.startsWith('acme/prod/'))).toBe(true);
    expect(await globexProxy.envoy.stat('listener_manager.lds.update_success')).toBe(globexLds);
    expect(await globexProxy.envoy.stat('http.outbound_http.rds.outbound|http.update_success')).toBe(globexRds);
    expect(await tenantHeader(globexProxy)).toBeUndefined();
  });
});

/** The x-tenant response header a request through the sidecar comes back with. */
function tenantHeader(s: TestSidecar): Promise<string | undefined> {
  return new Promise((resolve) => {
    http.get(s.outbound, { headers: { host: 'details' } }, (res) => {
      res.resume();
      resolve(res.headers['x-tenant'] as string | undefined);
    }).on('error', () => resolve(undefined));
  });
}
