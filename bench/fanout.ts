// Fan-out: N simulated ADS clients (half delta, half SotW) over 10 meshes; one route changes in
// one mesh; time until every client of that mesh has ACKed, memory per stream, bytes per change,
// and pushes to the other meshes (must be zero). Usage: tsx bench/fanout.ts [N...]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openEmbeddedStore } from '../core/adapters/embedded/store/index.ts';
import { InProcessBus } from '../core/adapters/embedded/bus/in-process-bus.ts';
import type { IstioResource } from '../core/resources/resource.ts';
import { startXds } from '../xds-server/start-xds.ts';
import type { SendEvent } from '../xds-server/server/index.ts';
import { percentile, ms } from './stats.ts';

const MESHES = 10;
const SERVICES = 50;
const CHILDREN = 2;
const here = path.dirname(fileURLToPath(import.meta.url));

function meshConfig(weight: number): IstioResource[] {
  const out: IstioResource[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const host = `svc-${s}.bench.svc.cluster.local`;
    out.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: `svc-${s}`, namespace: 'bench' },
      spec: {
        hosts: [host],
        location: 'MESH_INTERNAL',
        resolution: 'STATIC',
        ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }],
        endpoints: Array.from({ length: 10 }, (_, e) => ({ address: `10.${s % 250}.${e}.1`, labels: { version: e % 2 ? 'v2' : 'v1' } })),
      },
    });
    out.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: `svc-${s}`, namespace: 'bench' }, spec: { host, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] } });
    out.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: `svc-${s}`, namespace: 'bench' },
      spec: { hosts: [host], http: [{ route: [{ destination: { host, subset: 'v1' }, weight: s === 0 ? weight : 90 }, { destination: { host, subset: 'v2' }, weight: s === 0 ? 100 - weight : 10 }] }] },
    });
  }
  return out;
}

function request<T>(child: ChildProcess, cmd: Record<string, unknown>, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { cmd: string }) => {
      if (m.cmd === answer) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
    child.send(cmd);
  });
}

async function gcMemory(): Promise<{ rss: number; heap: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external };
}

async function run(n: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-fanout-'));
  const store = await openEmbeddedStore({ dir });
  const bus = new InProcessBus();
  await store.createTenant({ id: 'default' });
  for (let m = 0; m < MESHES; m++) {
    await store.putMesh('default', `mesh-${m}`, {});
    await store.commit({ tenantId: 'default', mesh: `mesh-${m}`, author: 'bench', changes: meshConfig(90).map((resource) => ({ op: 'put' as const, resource })) });
  }
  const sends: SendEvent[] = [];
  let recording = false;
  const xds = await startXds({ store, bus, logger: pino({ level: 'silent' }), address: '127.0.0.1:0', reconcileIntervalMs: 600_000, observe: { onSend: (e) => void (recording && sends.push(e)) } });
  const before = await gcMemory();

  const per = Math.ceil(n / CHILDREN);
  const children = Array.from({ length: CHILDREN }, (_, c) =>
    fork(path.join(here, 'fanout-client.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, FANOUT_CLIENT: JSON.stringify({ xds: `127.0.0.1:${xds.port}`, first: c * per, count: Math.min(per, n - c * per), meshes: MESHES }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const connectStarted = performance.now();
  await Promise.all(children.map((c) => request(c, { cmd: 'start' }, 'started')));
  const deadline = Date.now() + 300_000;
  for (;;) {
    const reports = await Promise.all(children.map((c) => request<{ ready: number }>(c, { cmd: 'report' }, 'report')));
    const ready = reports.reduce((a, r) => a + r.ready, 0);
    if (ready >= n) break;
    if (Date.now() > deadline) throw new Error(`only ${ready}/${n} clients got their initial config`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const initialMs = performance.now() - connectStarted;
  const after = await gcMemory();

  await Promise.all(children.map((c) => request(c, { cmd: 'mark', mesh: 0 }, 'marked')));
  recording = true;
  const t0 = process.hrtime.bigint();
  const result = await store.commit({ tenantId: 'default', mesh: 'mesh-0', author: 'bench', changes: meshConfig(50).filter((r) => r.kind === 'VirtualService' && r.metadata.name === 'svc-0').map((resource) => ({ op: 'put' as const, resource })) });
  await bus.publish({ tenantId: 'default', mesh: 'mesh-0', revision: result.revision, reason: 'commit', at: new Date().toISOString() });
  const target = Math.ceil(n / MESHES);
  let acked: { at: string }[] = [];
  let other = 0;
  for (const end = Date.now() + 60_000; Date.now() < end; ) {
    const reports = await Promise.all(children.map((c) => request<{ acked: { at: string }[]; otherMeshResponses: number }>(c, { cmd: 'report' }, 'report')));
    acked = reports.flatMap((r) => r.acked);
    other = reports.reduce((a, r) => a + r.otherMeshResponses, 0);
    if (acked.length >= target) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 300));
  recording = false;
  const latencies = acked.map((a) => Number(BigInt(a.at) - t0) / 1e6);
  const bytes = sends.reduce((sum, e) => sum + e.resources.reduce((s, r) => s + (xds.cache.resources(e.scope, e.typeUrl).get(r.name)?.body.length ?? 0), 0), 0);
  const otherScopes = sends.filter((e) => !e.scope.startsWith('default/mesh-0/')).length;

  console.log(
    `N=${n}: initial config to all ${n} in ${(initialMs / 1000).toFixed(1)} s; change → all ${acked.length}/${target} mesh-0 clients ACKed: p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}; ` +
      `server memory +${((after.rss - before.rss) / n / 1024).toFixed(1)} KiB RSS/stream (+${((after.heap - before.heap) / n / 1024).toFixed(1)} KiB heap); ` +
      `bytes sent for the change: ${bytes} (${sends.length} responses, ${(bytes / Math.max(1, acked.length)).toFixed(0)} B per stream); pushes to other meshes: ${otherScopes} server-side, ${other} client-side`,
  );
  await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.send({ cmd: 'stop' })))));
  await xds.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const n of sizes.length ? sizes : [100, 1000, 5000]) await run(n);
