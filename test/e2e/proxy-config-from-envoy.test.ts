// `trellis proxy-config PROXY endpoints --from-envoy`: Envoy's own verdict on its endpoints, read from a real Envoy's admin port.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvoy, type RunningEnvoy } from '../support/envoy.ts';
import { freePort, waitFor } from '../support/ports.ts';
import { ROOT } from '../support/tools.ts';

const PROXY = 'web.shop~127.0.0.1~demo';
const CLUSTER = 'outbound|9080||reviews.shop.svc.cluster.local';
let envoy: RunningEnvoy;
let admin: string;
let deadPort: number;
let live: http.Server;

function trellis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/trellis.mjs'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: ROOT, TRELLIS_CONFIG: '/nonexistent/trellis.yaml', TRELLIS_NO_REBUILD: process.env.TRELLIS_NO_REBUILD ?? '' }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  live = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
  deadPort = await freePort();
  const adminPort = await freePort();
  admin = `http://127.0.0.1:${adminPort}`;
  // Both endpoints are HEALTHY as sent; Envoy's own TCP health check fails the one nothing listens on.
  envoy = await startEnvoy(
    `node: { id: "${PROXY}", cluster: web }
admin: { address: { socket_address: { address: 127.0.0.1, port_value: ${adminPort} } } }
static_resources:
  clusters:
  - name: "${CLUSTER}"
    type: STATIC
    connect_timeout: 0.25s
    health_checks: [{ timeout: 0.2s, interval: 0.2s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }]
    load_assignment:
      cluster_name: reviews
      endpoints:
      - lb_endpoints:
        - { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${(live.address() as AddressInfo).port} } } }, load_balancing_weight: 90, health_status: HEALTHY }
        - { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${deadPort} } } }, load_balancing_weight: 10, health_status: HEALTHY }
`,
    adminPort,
  );
});

afterAll(async () => {
  await envoy?.stop();
  await new Promise((resolve) => live?.close(resolve));
});

describe('trellis proxy-config --from-envoy', () => {
  it("shows Envoy's own health: the endpoint its health check failed is UNHEALTHY though it was sent HEALTHY", async () => {
    let out = '';
    await waitFor(async () => {
      out = (await trellis(['proxy-config', PROXY, 'endpoints', '--from-envoy', '--admin', admin])).stdout;
      return out.includes('UNHEALTHY') && /\sHEALTHY\s+90/.test(out);
    }, 'the health check verdicts', 10_000, 200);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+ENDPOINT\s+HEALTH \(ENVOY\)\s+WEIGHT\s+RQ OK\s+RQ ERROR\s+RQ ACTIVE$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^outbound\\|9080\\|\\|reviews\\S*\\s+127\\.0\\.0\\.1:${deadPort}\\s+UNHEALTHY \\(active health check\\)\\s+10\\s+0\\s+0\\s+0$`)));
    const json = JSON.parse((await trellis(['proxy-config', PROXY, 'endpoints', '--from-envoy', '--admin', admin, '-o', 'json'])).stdout) as { source: string; endpoints: { endpoint: string; health: string; weight: number }[] };
    expect(json.source).toBe('envoy');
    expect(json.endpoints.find((e) => e.endpoint.endsWith(`:${deadPort}`))).toMatchObject({ health: 'UNHEALTHY (active health check)', weight: 10 });
  });

  it('refuses an Envoy that is another proxy, an unreachable admin port, a bad --admin and other types', async () => {
    const other = await trellis(['proxy-config', 'api.shop~127.0.0.2~demo', 'endpoints', '--from-envoy', '--admin', admin]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`is proxy ${PROXY}, not api.shop~127.0.0.2~demo`);
    const closed = await trellis(['proxy-config', PROXY, 'endpoints', '--from-envoy', '--admin', `http://127.0.0.1:${deadPort}`]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain(`cannot reach Envoy's admin interface at http://127.0.0.1:${deadPort} (ECONNREFUSED)`);
    const bad = await trellis(['proxy-config', PROXY, 'endpoints', '--from-envoy', '--admin', 'not a url']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--admin must be a URL');
    const clusters = await trellis(['proxy-config', PROXY, 'clusters', '--from-envoy']);
    expect(clusters.code).toBe(2);
    expect(clusters.stderr).toContain('--from-envoy shows endpoints only');
  });
});
