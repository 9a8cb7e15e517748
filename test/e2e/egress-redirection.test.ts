// Egress ServiceEntries on a REDIRECT-mode sidecar: an app in one network namespace reaches an
// "external" server (another namespace playing api.example.com) through the config Trellis
// translates, with trellis-agent's iptables rules and a real Envoy. Nothing leaves the namespaces.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocuments } from '../../core/resources/documents.ts';
import { parseResource } from '../../core/resources/parse-resource.ts';
import { ROOT } from '../support/tools.ts';
import { waitFor } from '../support/ports.ts';
import { buildMeshIndex, translateSidecar } from '../../xds-server/translate/index.ts';
import { staticResources } from '../../xds-server/translate/testing/static-resources.ts';
import { bootstrapBytes } from '../../xds-server/translate/testing/bootstrap-bytes.ts';
import { assertNoEnvoyTroubleInNs, inNs, sh, startEnvoyInNs, startInNs, stopAndRemove } from '../support/netns.ts';

const id = randomBytes(3).toString('hex');
const POD = `trellis-egress-${id}`;
const EXT = `trellis-egress-${id}-ext`;
/** api.example.com: listed by name only (NONE resolution, no endpoints). */
const API_IP = '10.254.31.1';
/** Inside the databases entry's CIDR. */
const DB_IP = '10.254.32.1';
/** The legacy entry's virtual IP: on no interface, only routed out of the pod. */
const LEGACY_VIP = '10.254.34.10';
/** An address no entry lists. */
const OTHER_IP = '10.254.33.1';
const PROXY_UID = 1337;
const DB_PORT = 5432;


/** The external side: HTTP on 80 and on the database port, HTTPS on 443, each naming the address it was reached at and the Host. */
const externalScript = (dir: string) => `
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const handler = (port) => (req, res) => {
  res.setHeader('x-served-by', 'ext:' + req.socket.localAddress + ':' + port);
  res.setHeader('x-host', String(req.headers.host));
  res.end('external');
};
// Envoy keeps idle connections to these: one closed while idle races Envoy reusing it.
const keptOpen = (server) => Object.assign(server, { keepAliveTimeout: 600000 });
for (const port of [80, ${DB_PORT}]) keptOpen(http.createServer(handler(port))).listen(port, '0.0.0.0', () => console.log('listening ' + port));
const tls = { key: fs.readFileSync('${dir}/key.pem'), cert: fs.readFileSync('${dir}/cert.pem') };
keptOpen(https.createServer(tls, handler(443))).listen(443, '0.0.0.0', () => console.log('listening 443'));`;

const processes: { child: ChildProcess; logs: () => string }[] = [];
let dir: string;
let envoy: { child: ChildProcess; logs: () => string };
let issues: unknown[];

const MESH = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: api, namespace: default }
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: NONE
  ports: [{ number: 80, name: http, protocol: HTTP }, { number: 443, name: https, protocol: TLS }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: api, namespace: default }
spec:
  host: api.example.com
  trafficPolicy: { connectionPool: { tcp: { maxConnections: 7 } } }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: databases, namespace: default }
spec:
  hosts: [databases.internal.example]
  location: MESH_EXTERNAL
  resolution: NONE
  addresses: [10.254.32.0/24]
  ports: [{ number: ${DB_PORT}, name: db, protocol: TCP }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: wildcard, namespace: default }
spec:
  hosts: ["*.example.org"]
  location: MESH_EXTERNAL
  resolution: NONE
  ports: [{ number: 80, name: http, protocol: HTTP }, { number: 443, name: https, protocol: TLS }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: legacy, namespace: default }
spec:
  hosts: [legacy.internal.example]
  location: MESH_EXTERNAL
  resolution: STATIC
  addresses: [${LEGACY_VIP}]
  endpoints: [{ address: ${API_IP} }]
  ports: [{ number: 80, name: http, protocol: HTTP }]
`;

/** curl from the app's namespace; `resolve` pins a name to an address as DNS would. */
function appCurl(url: string, extra: string[] = []) {
  return inNs(POD, ['curl', '-s', '-o', '/dev/null', '-D', '-', '--max-time', '5', '--cacert', path.join(dir, 'cert.pem'), ...extra, url]);
}

const header = (stdout: string, name: string) => new RegExp(`^${name}: (.*?)\\r?$`, 'im').exec(stdout)?.[1];

async function stat(name: string): Promise<number> {
  const filter = encodeURIComponent(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const r = await inNs(POD, ['curl', '-s', '--max-time', '3', `http://127.0.0.1:15000/stats?filter=${filter}`]);
  return Number(/:\s*(\d+)\s*$/m.exec(r.stdout)?.[1] ?? NaN);
}

function assertPlatform(): void {
  const missing = ['ip', 'iptables-restore', 'curl', 'setpriv', 'openssl'].filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (missing.length > 0) throw new Error(`egress redirection needs ${missing.join(', ')} on this machine`);
  if (process.getuid?.() !== 0) throw new Error('egress redirection tests create network namespaces and need root');
}

beforeAll(async () => {
  assertPlatform();
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-egress-'));
  chmodSync(dir, 0o755);
  sh('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=api.example.com', '-addext', 'subjectAltName=DNS:api.example.com,DNS:*.example.org,DNS:blocked.test']);

  sh('ip', ['netns', 'add', POD]);
  sh('ip', ['netns', 'add', EXT]);
  const vethPod = `ep${id}`;
  const vethExt = `eq${id}`;
  sh('ip', ['-n', POD, 'link', 'add', vethPod, 'type', 'veth', 'peer', 'name', vethExt, 'netns', EXT]);
  const subnets = ['10.254.31', '10.254.32', '10.254.33'];
  for (const [ns, dev, host] of [[POD, vethPod, 2], [EXT, vethExt, 1]] as const) {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const s of subnets) sh('ip', ['-n', ns, 'addr', 'add', `${s}.${host}/24`, 'dev', dev]);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  sh('ip', ['-n', POD, 'route', 'add', '10.254.34.0/24', 'dev', vethPod]);

  const redirect = await inNs(POD, ['node', path.join(ROOT, 'bin/trellis-agent.mjs'), 'redirect', '--proxy-uid', String(PROXY_UID), '--include-inbound-ports', '8080'], 30_000);
  expect(redirect.code, redirect.stderr).toBe(0);

  const external = startInNs(EXT, ['node', '-e', externalScript(dir)]);
  processes.push(external);
  await waitFor(() => ['80', String(DB_PORT), '443'].every((p) => external.logs().includes(`listening ${p}`)), 'external servers', 15_000, 100);

  // Validated as the API validates an apply: these entries are accepted as they are.
  const documents = parseDocuments(MESH);
  if (!documents.ok) throw new Error(JSON.stringify(documents.errors));
  const resources = documents.value.map((d) => {
    const parsed = parseResource(d);
    if (!parsed.ok) throw new Error(`refused: ${JSON.stringify(parsed.errors)}`);
    return parsed.value;
  });
  const index = buildMeshIndex({ tenantId: 'default', mesh: 'egress', revision: 1, settings: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, workloads: [], resources });
  const result = translateSidecar(index, { kind: 'sidecar', namespace: 'default', serviceAccount: 'app', workload: 'app', labels: {}, inbound: undefined, interceptionMode: 'REDIRECT' });
  issues = result.issues;
  const served = staticResources(result);
  writeFileSync(path.join(dir, 'sidecar.pb'), bootstrapBytes(served.listeners, served.clusters, served.secrets), { mode: 0o644 });
  const admin = 'admin: { address: { socket_address: { address: 127.0.0.1, port_value: 15000 } } }';
  envoy = await startEnvoyInNs(POD, PROXY_UID, ['-c', path.join(dir, 'sidecar.pb'), '--config-yaml', admin]);
  processes.push(envoy);
}, 90_000);

afterAll(async () => {
  // Envoy's own counters first: a stalled or refused config fails the file even when every request went right.
  const verdict = envoy?.child.exitCode === null ? await assertNoEnvoyTroubleInNs(POD).then(() => undefined, (err: unknown) => err) : undefined;
  await stopAndRemove(processes, [POD, EXT]);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (verdict) throw verdict;
});

describe('egress ServiceEntries through a REDIRECT-mode sidecar (REGISTRY_ONLY)', () => {
  it('translates without issues, the DestinationRule on the ORIGINAL_DST cluster', () => {
    expect(issues).toEqual([]);
    const config = readFileSync(path.join(dir, 'sidecar.pb'));
    expect(config.includes(Buffer.from('outbound|80||api.example.com'))).toBe(true);
  });

  it('(a) reaches api.example.com, listed without endpoints, at the address the app resolved (HTTP)', async () => {
    const before = await stat('cluster.outbound|80||api.example.com.upstream_rq_total');
    const r = await appCurl('http://api.example.com/', ['--resolve', `api.example.com:80:${API_IP}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(header(r.stdout, 'x-served-by')).toBe(`ext:${API_IP}:80`);
    expect(await stat('cluster.outbound|80||api.example.com.upstream_rq_total')).toBe(before + 1);
    const clusters = await inNs(POD, ['curl', '-s', '--max-time', '3', 'http://127.0.0.1:15000/clusters']);
    expect(clusters.stdout).toContain('outbound|80||api.example.com::default_priority::max_connections::7');
  });

  it('(a) reaches api.example.com over TLS by SNI, end to end with the server certificate', async () => {
    const before = await stat('cluster.outbound|443||api.example.com.upstream_cx_total');
    const r = await appCurl('https://api.example.com/', ['--resolve', `api.example.com:443:${API_IP}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(header(r.stdout, 'x-served-by')).toBe(`ext:${API_IP}:443`);
    expect(await stat('cluster.outbound|443||api.example.com.upstream_cx_total')).toBe(before + 1);
  });

  it('(b) reaches an address inside the databases CIDR on the TCP port', async () => {
    const before = await stat(`cluster.outbound|${DB_PORT}||databases.internal.example.upstream_cx_total`);
    const r = await appCurl(`http://${DB_IP}:${DB_PORT}/`);
    expect(r.code, r.stderr).toBe(0);
    expect(header(r.stdout, 'x-served-by')).toBe(`ext:${DB_IP}:${DB_PORT}`);
    expect(await stat(`cluster.outbound|${DB_PORT}||databases.internal.example.upstream_cx_total`)).toBe(before + 1);
  });

  it('(b) sends a request to a virtual IP to its service whatever the Host, and on to its endpoint', async () => {
    const before = await stat('cluster.outbound|80||legacy.internal.example.upstream_rq_total');
    const r = await appCurl(`http://${LEGACY_VIP}/`);
    expect(r.code, r.stderr).toBe(0);
    expect(header(r.stdout, 'x-served-by')).toBe(`ext:${API_IP}:80`);
    expect(header(r.stdout, 'x-host')).toBe(LEGACY_VIP);
    expect(await stat('cluster.outbound|80||legacy.internal.example.upstream_rq_total')).toBe(before + 1);
  });

  it('(c) reaches any host under the wildcard, by Host (HTTP) and by SNI (TLS)', async () => {
    const http = await appCurl('http://www.example.org/', ['--resolve', `www.example.org:80:${OTHER_IP}`]);
    expect(http.code, http.stderr).toBe(0);
    expect(header(http.stdout, 'x-served-by')).toBe(`ext:${OTHER_IP}:80`);
    expect(header(http.stdout, 'x-host')).toBe('www.example.org');
    const tls = await appCurl('https://static.example.org/', ['--resolve', `static.example.org:443:${OTHER_IP}`]);
    expect(tls.code, tls.stderr).toBe(0);
    expect(header(tls.stdout, 'x-served-by')).toBe(`ext:${OTHER_IP}:443`);
    expect(await stat('cluster.outbound|80||*.example.org.upstream_rq_total')).toBeGreaterThanOrEqual(1);
    expect(await stat('cluster.outbound|443||*.example.org.upstream_cx_total')).toBeGreaterThanOrEqual(1);
  });

  it('blocks what no entry allows: an unknown Host, an address outside the CIDR, an unknown SNI, an unlisted port', async () => {
    const host = await appCurl('http://blocked.test/', ['--resolve', `blocked.test:80:${OTHER_IP}`]);
    expect(host.code, host.stderr).toBe(0);
    expect(host.stdout).toMatch(/^HTTP\/1\.1 404/);
    expect(header(host.stdout, 'x-served-by')).toBeUndefined();

    const outsideCidr = await appCurl(`http://${OTHER_IP}:${DB_PORT}/`);
    expect(outsideCidr.code).not.toBe(0);
    const sni = await appCurl('https://blocked.test/', ['--resolve', `blocked.test:443:${OTHER_IP}`]);
    expect(sni.code).not.toBe(0);
    const before = await stat('cluster.BlackHoleCluster.upstream_cx_none_healthy');
    const port = await appCurl(`http://${OTHER_IP}:8081/`);
    expect(port.code).not.toBe(0);
    expect(await stat('cluster.BlackHoleCluster.upstream_cx_none_healthy')).toBe(before + 1);
    expect(await stat('listener.0.0.0.0_5432.no_filter_chain_match')).toBeGreaterThanOrEqual(1);
  });
});
