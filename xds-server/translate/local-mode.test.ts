import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../test/support/ports.ts';
import { ENVOY_BIN } from '../../test/support/tools.ts';
import { buildMeshIndex } from './mesh/build-mesh-index.ts';
import { bootstrapBytes } from './testing/bootstrap-bytes.ts';
import { istio } from './testing/resources.ts';
import { staticResources } from './testing/static-resources.ts';
import { translateSidecar } from './translate-sidecar.ts';

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A GET to 127.0.0.1:port with an explicit Host header (fetch cannot set Host). */
function get(port: number, host: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/reviews/1', headers: { host, ...headers }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

function app(name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => res.end(`${name} ${req.url} end-user=${req.headers['end-user'] ?? ''}`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// The local-mode contract: an app calls 127.0.0.1:<outbound port> with `Host: <service>` and is routed.
describe('local-mode outbound listener on a real Envoy', () => {
  const servers: http.Server[] = [];
  let envoy: ChildProcess | undefined;
  let dir = '';
  let port = 0;

  beforeAll(async () => {
    const [v1, v2] = await Promise.all([app('v1'), app('v2')]);
    servers.push(v1, v2);
    const portOf = (s: http.Server) => (s.address() as AddressInfo).port;
    const index = buildMeshIndex({
      tenantId: 't',
      mesh: 'm',
      revision: 1,
      settings: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
      resources: [
        istio('ServiceEntry', 'shop', 'reviews', {
          hosts: ['reviews.shop.svc.cluster.local'],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
          workloadSelector: { labels: { app: 'reviews' } },
        }),
        istio('DestinationRule', 'shop', 'reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
        istio('VirtualService', 'shop', 'reviews', {
          hosts: ['reviews'],
          http: [
            { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
            { name: 'rest', headers: { response: { set: { 'x-route': 'rest' } } }, route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
          ],
        }),
      ],
      workloads: [
        { name: 'r1', namespace: 'shop', address: '127.0.0.1', labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'reviews', ports: { http: portOf(v1) } },
        { name: 'r2', namespace: 'shop', address: '127.0.0.1', labels: { app: 'reviews', version: 'v2' }, serviceAccount: 'reviews', ports: { http: portOf(v2) } },
      ],
    });
    port = await freePort();
    const result = translateSidecar(index, { kind: 'sidecar', namespace: 'shop', serviceAccount: 'web', workload: 'web-1', labels: { app: 'web' }, inbound: undefined, outboundPort: port });
    const { listeners, clusters } = staticResources(result);
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-local-mode-'));
    const file = path.join(dir, 'bootstrap.pb');
    writeFileSync(file, bootstrapBytes(listeners, clusters));
    let output = '';
    envoy = spawn(ENVOY_BIN, ['-c', file, '--use-dynamic-base-id', '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    envoy.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    envoy.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor(async () => {
      if (envoy?.exitCode !== null) throw new Error(`envoy exited:\n${output}`);
      return get(port, 'probe').then(
        () => true,
        () => false,
      );
    }, 'envoy outbound listener', 20_000);
  });

  afterAll(async () => {
    if (envoy && envoy.exitCode === null) {
      const exited = new Promise((resolve) => envoy?.on('exit', resolve));
      envoy.kill('SIGTERM');
      await exited;
    }
    for (const s of servers) s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('routes the bare short name, the FQDN with port, and applies header rules', async () => {
    const bare = await get(port, 'reviews');
    expect(bare.status).toBe(200);
    expect(bare.body).toBe('v1 /reviews/1 end-user=');
    expect(bare.headers['x-route']).toBe('rest');
    expect((await get(port, 'reviews.shop.svc.cluster.local:9080')).body).toMatch(/^v1 /);
    expect((await get(port, 'reviews.shop:9080', { 'end-user': 'jason' })).body).toBe('v2 /reviews/1 end-user=jason');
  });

  it('answers an unknown Host at once with 404 and a reason', async () => {
    const reply = await get(port, 'nowhere.example.com');
    expect(reply.status).toBe(404);
    expect(reply.body).toContain('REGISTRY_ONLY');
  });
});
