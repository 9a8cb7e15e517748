import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigPreview } from '../../core/proxies/config-preview.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { startSidecar, type TestSidecar } from '../support/sidecar.ts';
import { startUpstream, type Upstream } from '../support/upstream.ts';
import { waitFor } from '../support/ports.ts';
import { REVIEWS_HOST, reviewsServiceYaml } from '../support/reviews-mesh.ts';

// EnvoyFilter on a real Envoy: a good patch in force, shown by the dry run; a patch Envoy refuses rolled back by NACK protection.
const CLUSTER = `outbound|9080||${REVIEWS_HOST}`;
const HCM = 'envoy.filters.network.http_connection_manager';

const envoyFilter = (name: string, configPatches: unknown[]) => ({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name, namespace: 'shop' }, spec: { workloadSelector: { labels: { app: 'web' } }, configPatches } });
const good = envoyFilter('tuning', [
  { applyTo: 'VIRTUAL_HOST', match: { context: 'SIDECAR_OUTBOUND' }, patch: { operation: 'MERGE', value: { response_headers_to_add: [{ header: { key: 'x-patched', value: 'by-envoy-filter' } }] } } },
  { applyTo: 'CLUSTER', match: { context: 'SIDECAR_OUTBOUND', cluster: { service: REVIEWS_HOST, portNumber: 9080 } }, patch: { operation: 'MERGE', value: { per_connection_buffer_limit_bytes: 32768 } } },
]);
// Valid protos, but Envoy requires the router to be the last HTTP filter: every proxy NACKs this listener.
const afterRouter = envoyFilter('after-router', [
  {
    applyTo: 'HTTP_FILTER',
    match: { context: 'SIDECAR_OUTBOUND', listener: { filterChain: { filter: { name: HCM, subFilter: { name: 'envoy.filters.http.router' } } } } },
    patch: { operation: 'INSERT_AFTER', value: { name: 'envoy.filters.http.header_mutation', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation', mutations: {} } } },
  },
]);

interface Revision {
  revision: number;
  author: string;
  message?: string;
  rollbackTo?: number;
}

let trellis: TestTrellis;
let v1: Upstream;
let v2: Upstream;
let sidecar: TestSidecar;

/** GET through the sidecar's outbound listener with a Host header; status and the patched header. */
function call(): Promise<{ status: number; patched: string | undefined }> {
  return new Promise((resolve) => {
    const req = http.get(sidecar.outbound, { headers: { host: REVIEWS_HOST }, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, patched: res.headers['x-patched'] as string | undefined }));
    });
    req.on('error', () => resolve({ status: 0, patched: undefined }));
    req.on('timeout', () => req.destroy());
  });
}

async function clusterDump(): Promise<string> {
  return sidecar.envoy.admin('/config_dump?resource=dynamic_active_clusters');
}

beforeAll(async () => {
  trellis = await startTestTrellis();
  [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
  expect((await trellis.api('PUT', '/v1/meshes/demo', { onNack: { action: 'rollback', threshold: 0.5 } })).status).toBe(201);
  expect((await trellis.api('POST', '/v1/meshes/demo/apply', reviewsServiceYaml(v1.port, v2.port))).status).toBe(200);
  sidecar = await startSidecar({ xdsPort: Number(trellis.xdsAddress.split(':')[1]), mesh: 'demo', namespace: 'shop', workload: 'web', labels: { app: 'web' } });
  await waitFor(async () => (await call()).status === 200, 'outbound routing', 20_000, 100);
}, 60_000);

afterAll(async () => {
  await sidecar?.envoy.stop();
  await trellis?.close();
  await Promise.all([v1, v2].map((u) => u?.close()));
});

describe('EnvoyFilter with a real Envoy', () => {
  it('the dry run shows the per-proxy diff the patch makes, and stores nothing', async () => {
    const res = await trellis.api('POST', '/v1/meshes/demo/apply?dryRun=true', [good]);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const preview = (res.json as { proxies: ConfigPreview }).proxies;
    expect(preview.proxiesAffected).toBe(1);
    const changes = preview.groups.flatMap((g) => g.changes);
    // The service and port match its subset clusters too (no subset in the match), as in Istio.
    const subsets = ['v1', 'v2'].map((s) => `cds changed outbound|9080|${s}|${REVIEWS_HOST}`);
    expect(changes.map((c) => `${c.type} ${c.action} ${c.name}`).sort()).toEqual([...subsets, `cds changed ${CLUSTER}`, 'rds changed outbound|http']);
    expect(changes.find((c) => c.name === CLUSTER)!.diff!.join('\n')).toMatch(/^\+ per_connection_buffer_limit_bytes(\.value)?: 32768$/m);
    expect(changes.find((c) => c.type === 'rds')!.diff!.join('\n')).toContain('by-envoy-filter');
    expect((await trellis.api('GET', '/v1/meshes/demo/resources/envoyfilters')).json).toMatchObject({ items: [] });
  });

  it('a patch that does not decode, or reaches the host, is refused with 400 and the path inside the value', async () => {
    const lua = envoyFilter('lua', [{ applyTo: 'HTTP_FILTER', match: { context: 'SIDECAR_INBOUND' }, patch: { operation: 'INSERT_FIRST', value: { name: 'lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inline_code: 'os.execute("id")' } } } }]);
    const typo = envoyFilter('typo', [{ applyTo: 'CLUSTER', match: { context: 'SIDECAR_OUTBOUND' }, patch: { operation: 'MERGE', value: { conect_timeout: '1s' } } }]);
    const res = await trellis.api('POST', '/v1/meshes/demo/apply', [lua, typo]);
    expect(res.status).toBe(400);
    const paths = ((res.json as { errors: { path: string; message: string }[] }).errors).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining([expect.stringContaining('spec.configPatches[0].patch.value.typed_config.@type'), expect.stringContaining('spec.configPatches[0].patch.value.conect_timeout')]));
    expect((await trellis.api('GET', '/v1/meshes/demo/resources/envoyfilters')).json).toMatchObject({ items: [] });
  });

  it('a good patch is in force: the header is added and the cluster field is in Envoy\'s config_dump', async () => {
    expect((await trellis.api('POST', '/v1/meshes/demo/apply', [good])).status).toBe(200);
    await waitFor(async () => (await call()).patched === 'by-envoy-filter', 'the patched response header', 15_000, 100);
    await waitFor(async () => /"per_connection_buffer_limit_bytes":\s*32768/.test(await clusterDump()), 'the merged cluster field in config_dump', 10_000, 100);
  });

  it('a patch Envoy rejects is rolled back by NACK protection, and the good one stays in force', async () => {
    sidecar.envoy.expectTrouble({ rejections: true });
    const applied = await trellis.api('POST', '/v1/meshes/demo/apply', [afterRouter]);
    expect(applied.status, JSON.stringify(applied.json)).toBe(200);
    const bad = Number(applied.headers.get('x-trellis-revision') ?? (applied.json as { revision: number }).revision);
    let rollback: Revision | undefined;
    await waitFor(async () => {
      const items = ((await trellis.api('GET', '/v1/meshes/demo/revisions')).json as { items: Revision[] }).items;
      rollback = items.find((r) => r.revision > bad && r.author === 'system:nack-protection');
      return rollback !== undefined;
    }, 'the automatic rollback revision', 20_000, 100);
    expect(rollback!.rollbackTo).toBe(bad - 1);
    expect(rollback!.message).toMatch(/1\/1 proxies rejected it/);
    const names = ((await trellis.api('GET', '/v1/meshes/demo/resources/envoyfilters')).json as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
    expect(names).toEqual(['tuning']);
    // What Envoy runs (the active state) ends with the router.
    const dump = JSON.parse(await sidecar.envoy.admin('/config_dump?resource=dynamic_listeners')) as { configs: { active_state?: { listener: { filter_chains: { filters: { typed_config: { http_filters?: { name: string }[] } }[] }[] } } }[] };
    const active = dump.configs.flatMap((c) => c.active_state?.listener.filter_chains ?? []).flatMap((fc) => fc.filters).map((f) => (f.typed_config.http_filters ?? []).map((h) => h.name));
    expect(active.length).toBeGreaterThan(0);
    for (const names of active) expect(names.at(-1)).toBe('envoy.filters.http.router');
    // Envoy itself counted the rejected listener update.
    expect(await sidecar.envoy.stat('listener_manager.lds.update_rejected')).toBeGreaterThanOrEqual(1);
    expect((await call()).patched).toBe('by-envoy-filter');
  });
});
