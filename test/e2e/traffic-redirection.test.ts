import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVOY_BIN, ROOT } from '../support/tools.ts';
import { waitFor } from '../support/ports.ts';
import { buildMeshIndex, translateSidecar } from '../../xds-server/translate/index.ts';
import { staticResources } from '../../xds-server/translate/testing/static-resources.ts';
import { bootstrapBytes } from '../../xds-server/translate/testing/bootstrap-bytes.ts';
import { assertNoEnvoyTroubleInNs, inNs, sh, startEnvoyInNs, startInNs, stopAndRemove } from '../support/netns.ts';

// Two network namespaces joined by a veth pair: the pod (rules, Envoy, its app) and a peer
// (another workload at another IP). Nothing leaves them; both are deleted afterwards.
const id = randomBytes(3).toString('hex');
const POD = `trellis-test-${id}`;
const PEER = `trellis-test-${id}-peer`;
const POD_IP = '10.253.9.2';
const PEER_IP = '10.253.9.1';
/** A second peer address in a range the pod excludes from redirection. */
const PEER_EXCLUDED_IP = '10.253.10.1';
const PROXY_UID = 1337;
const APP_PORT = 8080;
/** Excluded both ways. */
const SIDE_PORT = 9090;


/** An HTTP server on every address of its namespace, on the app port and the side port, naming itself. */
const serverScript = (name: string) => `
const http = require('node:http');
for (const port of [${APP_PORT}, ${SIDE_PORT}]) {
  const server = http.createServer((req, res) => {
    res.setHeader('x-served-by', '${name}:' + port);
    res.setHeader('x-saw-envoy', String(req.headers['x-request-id'] !== undefined));
    res.end('${name}');
  });
  // Envoy keeps idle connections to it: one closed while idle races Envoy reusing it.
  server.keepAliveTimeout = 600000;
  server.listen(port, '0.0.0.0', () => console.log('listening ' + port));
}`;

interface Reply {
  status: number;
  headers: Record<string, string>;
}

/** A plain request from inside a namespace, optionally as another UID: what an application does. */
async function curl(ns: string, url: string, asUid?: number): Promise<Reply> {
  const cmd = ['curl', '-s', '-o', '/dev/null', '-D', '-', '--max-time', '5', url];
  const r = await inNs(ns, asUid === undefined ? cmd : ['setpriv', `--reuid=${asUid}`, `--regid=${asUid}`, '--clear-groups', ...cmd]);
  if (r.code !== 0) throw new Error(`curl ${url} in ${ns} failed (${r.code}): ${r.stderr}`);
  const [statusLine, ...lines] = r.stdout.trim().split(/\r?\n/);
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine?.split(' ')[1]), headers };
}

const hcm = (statPrefix: string, cluster: string, via: string) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: statPrefix,
    route_config: {
      virtual_hosts: [{ name: statPrefix, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
      response_headers_to_add: [{ header: { key: 'x-trellis-proxied', value: via } }],
    },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
  },
});

const originalDst = { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst' } };

/** Envoy as a pod's sidecar: outbound 15001 to wherever the app meant to go (original_dst), inbound 15006 to the app. */
const bootstrap = {
  admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
  static_resources: {
    listeners: [
      { name: 'outbound', address: { socket_address: { address: '0.0.0.0', port_value: 15001 } }, listener_filters: [originalDst], filter_chains: [{ filters: [hcm('outbound', 'outbound-original-dst', 'outbound')] }] },
      { name: 'inbound', address: { socket_address: { address: '0.0.0.0', port_value: 15006 } }, listener_filters: [originalDst], filter_chains: [{ filters: [hcm('inbound', 'inbound-app', 'inbound')] }] },
    ],
    clusters: [
      { name: 'outbound-original-dst', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '2s' },
      {
        name: 'inbound-app',
        type: 'STATIC',
        connect_timeout: '2s',
        load_assignment: { cluster_name: 'inbound-app', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: APP_PORT } } } }] }] },
      },
    ],
  },
};

async function stat(name: string): Promise<number> {
  const filter = encodeURIComponent(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const r = await inNs(POD, ['curl', '-s', '--max-time', '3', `http://127.0.0.1:15000/stats?filter=${filter}`]);
  return Number(/:\s*(\d+)\s*$/m.exec(r.stdout)?.[1] ?? NaN);
}

const processes: { child: ChildProcess; logs: () => string }[] = [];
let envoy: { child: ChildProcess; logs: () => string };
let dir: string;

function assertPlatform(): void {
  const missing = ['ip', 'iptables-restore', 'curl', 'setpriv'].filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (missing.length > 0) throw new Error(`traffic redirection needs ${missing.join(', ')} on this machine (Debian: apt-get install iproute2 iptables curl util-linux)`);
  if (process.getuid?.() !== 0) throw new Error('traffic redirection tests create network namespaces and need root');
}

beforeAll(async () => {
  assertPlatform();
  sh('ip', ['netns', 'add', POD]);
  sh('ip', ['netns', 'add', PEER]);
  const vethPod = `tp${id}`;
  const vethPeer = `tq${id}`;
  sh('ip', ['-n', POD, 'link', 'add', vethPod, 'type', 'veth', 'peer', 'name', vethPeer, 'netns', PEER]);
  for (const [ns, dev, addrs] of [
    [POD, vethPod, [`${POD_IP}/24`, '10.253.10.2/24']],
    [PEER, vethPeer, [`${PEER_IP}/24`, `${PEER_EXCLUDED_IP}/24`]],
  ] as const) {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const a of addrs) sh('ip', ['-n', ns, 'addr', 'add', a, 'dev', dev]);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }

  // The init container's step, run as the injected init container runs it.
  const redirect = await inNs(
    POD,
    ['node', path.join(ROOT, 'bin/trellis-agent.mjs'), 'redirect', '--proxy-uid', String(PROXY_UID), '--include-inbound-ports', `${APP_PORT},${SIDE_PORT}`, '--exclude-inbound-ports', String(SIDE_PORT), '--exclude-outbound-ports', String(SIDE_PORT), '--exclude-outbound-ip-ranges', '10.253.10.0/24'],
    30_000,
  );
  expect(redirect.code, redirect.stderr).toBe(0);

  for (const [ns, name] of [[POD, 'app'], [PEER, 'peer']] as const) {
    const server = startInNs(ns, ['node', '-e', serverScript(name)]);
    processes.push(server);
    await waitFor(() => server.logs().includes(`listening ${SIDE_PORT}`) && server.logs().includes(`listening ${APP_PORT}`), `${name} server`, 15_000, 100);
  }

  // Envoy runs as the proxy UID, like the injected container: its own connections must not loop back to itself.
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-redirect-'));
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'bootstrap.json'), JSON.stringify(bootstrap), { mode: 0o644 });
  envoy = await startEnvoyInNs(POD, PROXY_UID, ['-c', path.join(dir, 'bootstrap.json')]);
  processes.push(envoy);
}, 90_000);

afterAll(async () => {
  // Envoy's own counters first: a stalled or refused config fails the file even when every request went right.
  const verdict = envoy?.child.exitCode === null ? await assertNoEnvoyTroubleInNs(POD).then(() => undefined, (err: unknown) => err) : undefined;
  await stopAndRemove(processes, [POD, PEER]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (verdict) throw verdict;
});

describe('iptables redirection generated by trellis-agent redirect, inside a network namespace', () => {
  it('sends an application\'s plain outbound request through Envoy to where it was going', async () => {
    const before = await stat('cluster.outbound-original-dst.upstream_rq_total');
    const r = await curl(POD, `http://${PEER_IP}:${APP_PORT}/`);
    expect(r.status).toBe(200);
    expect(r.headers['x-trellis-proxied']).toBe('outbound');
    expect(r.headers['x-served-by']).toBe(`peer:${APP_PORT}`);
    expect(r.headers['x-saw-envoy']).toBe('true');
    expect(await stat('cluster.outbound-original-dst.upstream_rq_total')).toBe(before + 1);
  });

  it('lets excluded outbound ports and ranges bypass Envoy', async () => {
    const before = await stat('http.outbound.downstream_rq_total');
    const port = await curl(POD, `http://${PEER_IP}:${SIDE_PORT}/`);
    expect(port.headers['x-served-by']).toBe(`peer:${SIDE_PORT}`);
    expect(port.headers['x-trellis-proxied']).toBeUndefined();
    expect(port.headers['x-saw-envoy']).toBe('false');
    const range = await curl(POD, `http://${PEER_EXCLUDED_IP}:${APP_PORT}/`);
    expect(range.headers['x-served-by']).toBe(`peer:${APP_PORT}`);
    expect(range.headers['x-trellis-proxied']).toBeUndefined();
    expect(await stat('http.outbound.downstream_rq_total')).toBe(before);
  });

  it("never redirects the proxy UID's own traffic", async () => {
    const before = await stat('http.outbound.downstream_rq_total');
    const r = await curl(POD, `http://${PEER_IP}:${APP_PORT}/`, PROXY_UID);
    expect(r.headers['x-served-by']).toBe(`peer:${APP_PORT}`);
    expect(r.headers['x-trellis-proxied']).toBeUndefined();
    expect(await stat('http.outbound.downstream_rq_total')).toBe(before);
  });

  it('sends inbound requests for the app port through Envoy, and not those for an excluded port', async () => {
    const inbound = await curl(PEER, `http://${POD_IP}:${APP_PORT}/`);
    expect(inbound.headers['x-trellis-proxied']).toBe('inbound');
    expect(inbound.headers['x-served-by']).toBe(`app:${APP_PORT}`);
    const side = await curl(PEER, `http://${POD_IP}:${SIDE_PORT}/`);
    expect(side.headers['x-served-by']).toBe(`app:${SIDE_PORT}`);
    expect(side.headers['x-trellis-proxied']).toBeUndefined();
    expect(await stat('http.inbound.downstream_rq_total')).toBe(1);
  });
});

describe('the same redirection with the sidecar config Trellis translates in REDIRECT mode', () => {
  const PEER_HOST = 'peer.default.svc.cluster.local';
  let translated: { child: ChildProcess; logs: () => string };

  beforeAll(async () => {
    // The hand-written sidecar makes way for the translated one, in the same pod namespace.
    await new Promise<void>((resolve) => {
      if (envoy.child.exitCode !== null || envoy.child.signalCode !== null) return resolve();
      envoy.child.once('exit', () => resolve());
      envoy.child.kill('SIGTERM');
    });
    const index = buildMeshIndex({
      tenantId: 'default',
      mesh: 'pods',
      revision: 1,
      settings: {},
      workloads: [],
      resources: [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'ServiceEntry',
          metadata: { name: 'peer', namespace: 'default' },
          spec: { hosts: [PEER_HOST], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: APP_PORT, name: 'http', protocol: 'HTTP' }], endpoints: [{ address: PEER_IP }] },
        },
      ],
    });
    const result = translateSidecar(index, {
      kind: 'sidecar',
      namespace: 'default',
      serviceAccount: 'app',
      workload: 'app',
      labels: {},
      inbound: { port: APP_PORT, bindAddress: '0.0.0.0' },
      interceptionMode: 'REDIRECT',
    });
    expect(result.issues).toEqual([]);
    const resources = staticResources(result);
    writeFileSync(path.join(dir, 'translated.pb'), bootstrapBytes(resources.listeners, resources.clusters, resources.secrets), { mode: 0o644 });
    const admin = 'admin: { address: { socket_address: { address: 127.0.0.1, port_value: 15000 } } }';
    translated = startInNs(POD, ['setpriv', `--reuid=${PROXY_UID}`, `--regid=${PROXY_UID}`, '--clear-groups', ENVOY_BIN, '-c', path.join(dir, 'translated.pb'), '--config-yaml', admin, '--use-dynamic-base-id', '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn']);
    processes.push(translated);
    await waitFor(async () => {
      if (translated.child.exitCode !== null) throw new Error(`envoy exited:\n${translated.logs()}`);
      return (await inNs(POD, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', 'http://127.0.0.1:15000/ready'])).stdout === '200';
    }, 'translated envoy ready', 30_000, 200);
  }, 60_000);

  it('routes an app request for a mesh service by Host through the service cluster', async () => {
    const before = await stat(`cluster.outbound|${APP_PORT}||${PEER_HOST}.upstream_rq_total`);
    const r = await inNs(POD, ['curl', '-s', '-o', '/dev/null', '-D', '-', '--max-time', '5', '-H', `Host: ${PEER_HOST}`, `http://${PEER_IP}:${APP_PORT}/`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^x-served-by: peer:8080/im);
    expect(r.stdout).toMatch(/^x-saw-envoy: true/im);
    expect(await stat(`cluster.outbound|${APP_PORT}||${PEER_HOST}.upstream_rq_total`)).toBe(before + 1);
  });

  it('passes a request for an address outside the registry through to where it was going (ALLOW_ANY)', async () => {
    const r = await curl(POD, `http://${PEER_IP}:${APP_PORT}/`);
    expect(r.headers['x-served-by']).toBe(`peer:${APP_PORT}`);
    expect(await stat('cluster.PassthroughCluster.upstream_cx_total')).toBeGreaterThanOrEqual(1);
  });

  it("serves inbound requests for the app's port through the sidecar", async () => {
    const inbound = await curl(PEER, `http://${POD_IP}:${APP_PORT}/`);
    expect(inbound.headers['x-served-by']).toBe(`app:${APP_PORT}`);
    expect(inbound.headers['x-saw-envoy']).toBe('true');
    expect(await stat(`cluster.inbound|${APP_PORT}||.upstream_rq_total`)).toBeGreaterThanOrEqual(1);
  });
});
