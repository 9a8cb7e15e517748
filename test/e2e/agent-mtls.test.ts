import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { startTestTrellis, type TestTrellis } from '../support/local-trellis.ts';
import { waitFor } from '../support/ports.ts';
import { apply } from '../support/traffic.ts';
import { get, startUpstream, type Upstream } from '../support/upstream.ts';

const MESH = 'zt';
const TRUST_DOMAIN = `${MESH}.default.trellis.local`;
const ID_A = `spiffe://${TRUST_DOMAIN}/ns/shop/sa/a`;
const ID_B = `spiffe://${TRUST_DOMAIN}/ns/shop/sa/b`;
/** The server workload's service, over connections Envoy keeps open... */
const HOST = 'server.shop.svc.cluster.local';
/** ...and the same workload under a host whose every request opens a new mTLS connection, so handshakes happen throughout a rotation. */
const FRESH_HOST = 'server-fresh.shop.svc.cluster.local';
const TTL_SECONDS = 60;
const ROTATIONS = 3;

const serviceEntry = (name: string, host: string) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: shop }
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: server } }
`;

const MANIFESTS = `${serviceEntry('server', HOST)}---${serviceEntry('server-fresh', FRESH_HOST)}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: server-fresh, namespace: shop }
spec:
  host: ${FRESH_HOST}
  trafficPolicy: { connectionPool: { http: { maxRequestsPerConnection: 1 } } }
`;

const DENY_A = {
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: { name: 'deny-a', namespace: 'shop' },
  spec: { selector: { matchLabels: { app: 'server' } }, action: 'DENY', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/a'] } }] }] },
};

let trellis: TestTrellis;
let app: Upstream;
/** The server workload's sidecar (service account a) in front of `app`. */
let agentA: AgentProcess;
/** The client workload's sidecar (service account b). */
let agentB: AgentProcess;
let startToFirstMtlsMs = 0;

const call = (from: AgentProcess, host = HOST, p = '/') => get(`${from.outbound}${p}`, { host }).then((r) => r.status, () => 0);

/** A plain HTTP GET straight at A's inbound listener, as a workload without a sidecar sends it; 0 when the connection is refused or reset. */
function direct(): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: agentA.inboundPort, path: '/direct', agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function repeat(n: number, send: () => Promise<number>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push(await send());
  return seen;
}

async function joinToken(serviceAccount: string): Promise<string> {
  const res = await trellis.api('POST', `/v1/meshes/${MESH}/join-tokens`, { namespace: 'shop', serviceAccount, ttlSeconds: 600 });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return (res.json as { token: string }).token;
}

async function putPeerAuthentication(mode: 'STRICT' | 'PERMISSIVE'): Promise<void> {
  const body = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode } } };
  const res = await trellis.api('PUT', `/v1/meshes/${MESH}/resources/peerauthentications/shop/default`, body);
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
}

/** Serials Envoy holds (admin `/certs`), lower-case hex without leading zeros. */
async function envoySerials(agent: AgentProcess): Promise<string[]> {
  const shown = JSON.parse(await agent.envoyAdmin('/certs')) as { certificates: { cert_chain?: { serial_number: string }[] }[] };
  return shown.certificates.flatMap((c) => (c.cert_chain ?? []).map((s) => normalSerial(s.serial_number)));
}

/** A counter of B's outbound cluster for `host` (cluster names contain `|`, so no regex filter). */
async function clusterCounter(host: string, stat: string): Promise<number> {
  const name = `cluster.outbound|8080||${host}.${stat}: `;
  const line = (await agentB.envoyAdmin('/stats')).split('\n').find((l) => l.startsWith(name));
  return Number(line?.slice(name.length) ?? NaN);
}

const normalSerial = (s: string) => s.toLowerCase().replace(/^0+/, '');
const logsOf = () => `--- agent a ---\n${agentA?.logs().slice(-4000)}\n--- agent b ---\n${agentB?.logs().slice(-4000)}`;

beforeAll(async () => {
  trellis = await startTestTrellis({ xdsMtls: true });
  expect((await trellis.api('PUT', `/v1/meshes/${MESH}`, { certificates: { maxTtlSeconds: TTL_SECONDS } })).status).toBe(201);
  await apply(trellis, MESH, MANIFESTS);
  app = await startUpstream('server');
  const [tokenA, tokenB] = [await joinToken('a'), await joinToken('b')];
  const common = { apiUrl: trellis.apiUrl, xdsAddress: trellis.xdsAddress, args: ['--ttl', String(TTL_SECONDS)] };
  [agentA, agentB] = await Promise.all([
    startAgentProcess({ ...common, joinToken: tokenA, workload: 'server', labels: { app: 'server' }, appPort: app.port }),
    startAgentProcess({ ...common, joinToken: tokenB, workload: 'client', labels: { app: 'client' } }),
  ]);
  const started = Math.min(agentA.startedAt, agentB.startedAt);
  // The first request through both sidecars that the app sees with B's certificate identity, i.e. over mTLS.
  await waitFor(
    async () => {
      app.received.length = 0;
      return (await call(agentB)) === 200 && String(app.received.at(-1)?.headers['x-forwarded-client-cert']).includes(`URI=${ID_B}`);
    },
    'the first mTLS request from b to a through both sidecars',
    60_000,
    20,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${logsOf()}`);
  });
  startToFirstMtlsMs = Date.now() - started;
  const phases = (agent: AgentProcess) =>
    ['agent started', 'certificate issued', 'envoy started'].map((msg) => `${msg} +${(agent.firstLogged(msg) ?? NaN) - agent.startedAt} ms`).join(', ');
  console.info(
    [
      `agent start (both processes spawned) to the first successful mTLS request through both sidecars: ${startToFirstMtlsMs} ms (${started + startToFirstMtlsMs - Math.max(agentA.firstLogged('envoy started') ?? NaN, agentB.firstLogged('envoy started') ?? NaN)} ms after the later Envoy started)`,
      `  a: ${phases(agentA)}`,
      `  b: ${phases(agentB)}`,
    ].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([agentA?.stop(), agentB?.stop()]);
  await trellis?.close();
  await app?.close();
});

describe('two real Envoys run by trellis-agent, certificates from join tokens', () => {
  it('PERMISSIVE accepts the mesh client and a plaintext client; STRICT refuses the plaintext client and serves the mesh client', async () => {
    expect(startToFirstMtlsMs).toBeGreaterThan(0);
    // PERMISSIVE (no PeerAuthentication yet)
    app.received.length = 0;
    expect(await repeat(10, () => call(agentB))).toEqual(Array(10).fill(200));
    expect(app.received.every((r) => String(r.headers['x-forwarded-client-cert']).includes(`URI=${ID_B}`))).toBe(true);
    expect(await repeat(5, direct)).toEqual(Array(5).fill(200));

    await putPeerAuthentication('STRICT');
    await waitFor(async () => (await direct()) === 0, 'the inbound listener to refuse plaintext', 20_000, 100);
    expect(await repeat(5, direct)).toEqual(Array(5).fill(0));
    expect(await repeat(20, () => call(agentB))).toEqual(Array(20).fill(200));

    await putPeerAuthentication('PERMISSIVE');
    await waitFor(async () => (await direct()) === 200, 'the inbound listener to accept plaintext again', 20_000, 100);
    expect(await repeat(5, direct)).toEqual(Array(5).fill(200));
    expect(await repeat(10, () => call(agentB))).toEqual(Array(10).fill(200));
  });

  it('AuthorizationPolicy: service account a is denied (403), b is allowed, by the certificates the agents obtained', async () => {
    // A calls its own service through its outbound listener: a mesh client with A's certificate.
    app.received.length = 0;
    await waitFor(async () => (await call(agentA)) === 200, 'a reaching its own service over mTLS', 20_000, 100);
    expect(String(app.received.at(-1)?.headers['x-forwarded-client-cert'])).toContain(`URI=${ID_A}`);

    const res = await trellis.api('PUT', `/v1/meshes/${MESH}/resources/authorizationpolicies/shop/deny-a`, DENY_A);
    expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
    await waitFor(async () => (await call(agentA)) === 403, 'the DENY policy to reach the server sidecar', 20_000, 100);
    for (let i = 0; i < 10; i++) {
      expect(await call(agentA)).toBe(403);
      expect(await call(agentB)).toBe(200);
    }
  });

  it(`rotates both agents' ${TTL_SECONDS}-second certificates ${ROTATIONS} times under continuous mTLS traffic without a failed request`, async () => {
    await putPeerAuthentication('STRICT');
    await waitFor(async () => (await direct()) === 0, 'STRICT on the inbound listener', 20_000, 100);
    const renewalsSince = (agent: AgentProcess, from: number) => agent.certificates().slice(from).filter((c) => c.renewal);
    const [fromA, fromB] = [agentA.certificates().length, agentB.certificates().length];
    const done = () => renewalsSince(agentA, fromA).length >= ROTATIONS && renewalsSince(agentB, fromB).length >= ROTATIONS;

    // Bounded: stops after both agents rotated ROTATIONS times plus a few seconds on the last certificates, or at the deadline or the request cap.
    const deadline = performance.now() + (ROTATIONS + 1) * TTL_SECONDS * 1000;
    const maxRequests = 100_000;
    const statuses = new Map<number, number>();
    const errors: string[] = [];
    let sent = 0;
    const sentTo = new Map<string, number>();
    let doneAt: number | undefined;
    app.received.length = 0;
    const worker = async (host: string) => {
      while (performance.now() < deadline && sent < maxRequests && (doneAt === undefined || performance.now() - doneAt < 3000)) {
        sent++;
        sentTo.set(host, (sentTo.get(host) ?? 0) + 1);
        const answer = await get(`${agentB.outbound}/rotation`, { host }).then(
          (r) => ({ status: r.status, problem: `${host}: ${r.status}` }),
          (err: Error) => ({ status: 0, problem: `${host}: ${err.message}` }),
        );
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status !== 200 && errors.length < 20) errors.push(answer.problem);
        if (doneAt === undefined && done()) doneAt = performance.now();
        // Paced (≤ 200 requests/s per host), so the request cap cannot end the loop before the rotations on a fast machine.
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const handshakes = async () => Promise.all([HOST, FRESH_HOST].map((h) => clusterCounter(h, 'ssl.handshake')));
    const handshakesBefore = await handshakes();
    const loopStart = performance.now();
    await Promise.all([worker(HOST), worker(FRESH_HOST)]);
    const seconds = (performance.now() - loopStart) / 1000;
    const [keptHandshakes, freshHandshakes] = (await handshakes()).map((n, i) => n - handshakesBefore[i]!);

    const failures = sent - (statuses.get(200) ?? 0);
    const rotatedA = renewalsSince(agentA, fromA);
    const rotatedB = renewalsSince(agentB, fromB);
    console.info(
      [
        `rotation under traffic: ${sent} requests in ${seconds.toFixed(1)} s, failures: ${failures}, statuses: ${JSON.stringify(Object.fromEntries(statuses))}`,
        `  ${HOST}: ${sentTo.get(HOST)} requests over kept connections (${keptHandshakes} new mTLS handshakes b -> a)`,
        `  ${FRESH_HOST}: ${sentTo.get(FRESH_HOST)} requests, one connection each (${freshHandshakes} new mTLS handshakes b -> a)`,
        `agent a serials: ${agentA.certificates().slice(Math.max(0, fromA - 1)).map((c) => c.serial).join(' -> ')} (${rotatedA.length} rotations during the loop, ${agentA.certificates().length} certificates in all)`,
        `agent b serials: ${agentB.certificates().slice(Math.max(0, fromB - 1)).map((c) => c.serial).join(' -> ')} (${rotatedB.length} rotations during the loop, ${agentB.certificates().length} certificates in all)`,
      ].join('\n'),
    );
    expect(errors, logsOf()).toEqual([]);
    expect(failures).toBe(0);
    expect(rotatedA.length, logsOf()).toBeGreaterThanOrEqual(ROTATIONS);
    expect(rotatedB.length, logsOf()).toBeGreaterThanOrEqual(ROTATIONS);
    // Handshakes went on through every rotation: one per request on the fresh host.
    expect(freshHandshakes).toBeGreaterThanOrEqual(sentTo.get(FRESH_HOST)!);
    // Every request reached the app over mTLS with B's identity.
    expect(app.received.length).toBe(sent);
    expect(app.received.every((r) => String(r.headers['x-forwarded-client-cert']).includes(`URI=${ID_B}`))).toBe(true);

    for (const agent of [agentA, agentB]) {
      const certs = agent.certificates();
      // Renewed at a share of the lifetime: never a burst of renewals, always before the previous certificate expired.
      for (let i = 1; i < certs.length; i++) {
        expect(certs[i]!.at - certs[i - 1]!.at).toBeGreaterThan(0.3 * TTL_SECONDS * 1000);
        expect(certs[i]!.at).toBeLessThan(Date.parse(certs[i - 1]!.notAfter));
      }
      expect(new Set(certs.map((c) => c.serial)).size).toBe(certs.length);
      // Envoy holds the latest certificate, pushed over SDS without a restart.
      await waitFor(async () => (await envoySerials(agent)).includes(normalSerial(certs.at(-1)!.serial)), 'Envoy showing the latest certificate', 10_000);
      expect(agent.logs()).not.toContain('envoy exited');
    }
  }, 300_000);
});
