// `fanout --envoy-check`: 5 real Envoys bootstrapped as `trellis-agent run` bootstraps them (SDS
// socket served with a certificate from a local CA) next to 5 simulated sidecars of the same shape,
// all in mesh-0; the server's view of their subscriptions is compared pair by pair, then the same
// one-route change is timed for both.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openEmbeddedCa } from '../core/adapters/embedded/ca/index.ts';
import { meshTrustDomain } from '../core/identity/trust-domain-policy.ts';
import { envoyBootstrapYaml } from '../sidecar/bootstrap/envoy-bootstrap.ts';
import type { ProxyStatus } from '../xds-server/server/index.ts';
import { startEnvoy, type RunningEnvoy } from '../test/support/envoy.ts';
import { freePort, waitFor } from '../test/support/ports.ts';
import { startSdsServer, type RunningSdsServer } from '../test/support/sds-server.ts';
import { issueWorkloadCertificate } from '../test/support/workload-certificate.ts';
import { ClientProcesses } from './fanout-clients.ts';
import { startBenchControlPlane } from './fanout-mesh.ts';
import { agentMetadata, NAMESPACE, sidecarShape } from './fanout-node.ts';
import { ServerObserver } from './fanout-observer.ts';
import { ms, percentile } from './stats.ts';

const PAIRS = 5;
const CHANGES = 5;
const MESH = 'mesh-0';

interface RealSidecar {
  envoy: RunningEnvoy;
  sds: RunningSdsServer;
  nodeId: string;
  outboundPort: number;
}

/** Wall-clock ms (sub-ms precision) of a protobuf Timestamp in JSON, e.g. 2025-01-01T00:00:00.123456789Z. */
function timestampMs(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(iso);
  if (!m) return NaN;
  return Date.parse(`${m[1]}Z`) + Number(m[2] ?? 0) * 1000;
}

/** When Envoy last applied a dynamic route configuration (its /config_dump), and the RDS updates it counted. */
async function routeState(envoy: RunningEnvoy): Promise<{ lastUpdated: number; updates: number }> {
  const dump = JSON.parse(await envoy.admin('/config_dump?resource=dynamic_route_configs')) as { configs?: { last_updated?: string }[] };
  const lastUpdated = Math.max(...(dump.configs ?? []).map((c) => (c.last_updated ? timestampMs(c.last_updated) : NaN)).filter((t) => !Number.isNaN(t)));
  const stats = await envoy.admin('/stats?filter=rds\\..*\\.update_success$');
  const updates = [...stats.matchAll(/:\s*(\d+)\s*$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return { lastUpdated, updates };
}

/**
 * Per xDS type as the server tracks the stream: wildcard or the names asked for, and the resources
 * held. `rename` maps this proxy's own listener names to its pair's (their outbound ports differ).
 */
function subscriptions(s: ProxyStatus | undefined, rename: (name: string) => string = (n) => n): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of s?.types ?? []) {
    const type = t.typeUrl.split('.').pop()!;
    out.set(`${type} subscribed`, t.wildcard ? ['*'] : t.subscribed.map(rename).sort());
    out.set(`${type} held`, Object.keys(t.resources).map(rename).sort());
  }
  return out;
}

function differences(real: Map<string, string[]>, sim: Map<string, string[]>): string[] {
  return [...new Set([...real.keys(), ...sim.keys()])].flatMap((key) => {
    const a = real.get(key) ?? [];
    const b = sim.get(key) ?? [];
    const onlyReal = a.filter((n) => !b.includes(n));
    const onlySim = b.filter((n) => !a.includes(n));
    return onlyReal.length || onlySim.length ? [`${key}: only Envoy [${onlyReal.join(', ')}], only simulated [${onlySim.join(', ')}]`] : [];
  });
}

/** e.g. "Cluster * (153 held)": what one simulated sidecar subscribes to, for the report. */
function describe(sub: Map<string, string[]>): string {
  return [...sub.keys()].filter((k) => k.endsWith(' subscribed')).map((k) => {
    const type = k.replace(' subscribed', '');
    const names = sub.get(k)!;
    return `${type} ${names[0] === '*' ? '*' : `${names.length} names`} (${sub.get(`${type} held`)!.length} held)`;
  }).join(', ');
}

export async function envoyCheck(nodeExtras: Record<string, unknown> | undefined): Promise<void> {
  const observer = new ServerObserver();
  const cp = await startBenchControlPlane(observer.hooks);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-fanout-envoy-'));
  const reals: RealSidecar[] = [];
  const sims = new ClientProcesses({ xds: `127.0.0.1:${cp.xds.port}`, count: PAIRS, meshes: 1, pool: 0, processes: 1, ...(nodeExtras ? { nodeExtras } : {}) });
  try {
    const ca = await openEmbeddedCa({ dir: path.join(dir, 'ca') });
    const trustDomain = meshTrustDomain('default', MESH, {});
    for (let k = 0; k < PAIRS; k++) {
      // The simulated sidecar k has the same mesh, workload, labels and ports; only its address differs.
      const shape = { ...sidecarShape(k, 1), address: `127.0.1.${k + 1}` };
      const certificate = await issueWorkloadCertificate(ca, `spiffe://${trustDomain}/ns/${NAMESPACE}/sa/svc-${shape.service}`);
      const sds = await startSdsServer(path.join(dir, `sds-${k}.sock`), certificate);
      const adminPort = await freePort();
      const outboundPort = await freePort();
      const metadata = agentMetadata(shape, { inbound: await freePort(), outbound: outboundPort });
      const yaml = envoyBootstrapYaml({ metadata, xdsAddress: { host: '127.0.0.1', port: cp.xds.port }, adminPort, protocol: k % 2 === 0 ? 'delta' : 'sotw', sdsSocketPath: sds.socketPath });
      const envoy = await startEnvoy(yaml, adminPort);
      reals.push({ envoy, sds, nodeId: `svc-${shape.service}.${NAMESPACE}~${shape.address}~${MESH}`, outboundPort });
    }
    await sims.start(60_000);
    await Promise.all(reals.map((r) => waitFor(async () => (await r.envoy.admin('/ready')).trim() === 'LIVE', 'envoy LIVE', 60_000)));
    await observer.quiet(1000);

    const status = new Map(cp.xds.ads.proxyStatus().map((s) => [s.proxyId, s]));
    const simIds = Array.from({ length: PAIRS }, (_, k) => `svc-${k}.${NAMESPACE}~${sidecarShape(k, 1).address}~${MESH}`);
    // Real Envoys cannot all bind 15001, so their outbound listener is named after another port.
    const simulatedSubs = simIds.map((id) => subscriptions(status.get(id)));
    const mismatches = reals.flatMap((r, k) => {
      const diff = differences(subscriptions(status.get(r.nodeId), (n) => (n === `outbound|${r.outboundPort}` ? 'outbound|15001' : n)), simulatedSubs[k]!);
      return diff.length ? [`    pair ${k}: ${diff.join('; ')}`] : [];
    });

    const realAcks: number[] = [];
    const simulatedAcks: number[] = [];
    const applied: number[] = [];
    const updates: number[] = [];
    let missing = 0;
    for (let c = 0; c < CHANGES; c++) {
      await observer.quiet(500);
      const before = await Promise.all(reals.map((r) => routeState(r.envoy)));
      const t0 = observer.beginChange(`default/${MESH}/`);
      const wallT0 = performance.timeOrigin + t0;
      await cp.changeRoute(MESH, c % 2 === 0 ? 50 : 90);
      await observer.waitForAcks(30_000);
      await observer.quiet(500);
      const result = observer.finish();
      missing += result.affected - result.acks.size;
      for (const [streamId, latency] of result.acks) (reals.some((r) => r.nodeId === observer.streams.get(streamId)?.proxyId) ? realAcks : simulatedAcks).push(latency);
      const after = await Promise.all(reals.map((r) => routeState(r.envoy)));
      after.forEach((a, k) => {
        applied.push(a.lastUpdated - wallT0);
        updates.push(a.updates - before[k]!.updates);
      });
    }

    const summary = (xs: number[]) => `p50 ${ms(percentile(xs, 50))}, max ${ms(Math.max(...xs))} (${xs.length})`;
    const version = ((await reals[0]!.envoy.admin('/server_info').then((t) => JSON.parse(t) as { version?: string })).version ?? '?').split('/')[1] ?? '?';
    console.log(`envoy check: ${PAIRS} real Envoys ${version} (delta/SotW alternating, SDS from a local CA) and ${PAIRS} simulated sidecars of the same shape in ${MESH}, ${CHANGES} changes`);
    console.log(`  each simulated sidecar (server's view): ${describe(simulatedSubs[0]!)}`);
    console.log(mismatches.length ? `  subscriptions differ from the real Envoy's:\n${mismatches.join('\n')}` : `  subscriptions and resources held: identical to the real Envoy's for ${PAIRS}/${PAIRS} pairs`);
    console.log(`  change → ACK at the server:  Envoys ${summary(realAcks)};  simulated ${summary(simulatedAcks)}${missing ? `; ${missing} ACKs missing` : ''}`);
    console.log(`  change → route applied in Envoy (/config_dump last_updated): ${summary(applied)}; RDS update_success per Envoy per change: ${[...new Set(updates)].join('/')}`);
    console.log(`  NACKs: ${observer.nacks}, disconnects: ${[...observer.disconnects.values()].reduce((a, b) => a + b, 0)}`);
  } finally {
    await sims.stop();
    for (const r of reals) {
      await r.envoy.stop().catch((err: unknown) => console.log(`  envoy trouble: ${(err as Error).message.split('\n')[0]}`));
      await r.sds.stop();
    }
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
