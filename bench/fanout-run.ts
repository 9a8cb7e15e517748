// One fan-out run at N sidecars: connection storm, memory, one-route changes in a delta and in a SotW mesh, then a restart.
import { spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ClientProcesses, describeCounts } from './fanout-clients.ts';
import { startBenchControlPlane, type BenchControlPlane } from './fanout-mesh.ts';
import { MESHES } from './fanout-node.ts';
import { cpuMicros, ServerObserver } from './fanout-observer.ts';
import { ms, percentile } from './stats.ts';
import { envoyRoot } from '../xds-server/protos/index.ts';
import { CpuProfiler } from './cpu-profile.ts';
import { LoopTrace } from './loop-trace.ts';

// Server CPU per change is the process's (GC and libuv threads included); a major GC landing in one
// change's window moves that change's figure, so the median of enough changes is reported, with its range.
const CHANGES = 15;
// The first changes after the storm run code the storm did not (one virtual host's update and its
// ACK) before V8 has optimised it, and cost up to three times a later one: they are reported on
// their own, not in the figures of a server that has been running.
const FIRST_CHANGES = 5;
/** A mesh of delta sidecars and one of SotW sidecars (see `sidecarShape`). */
const DELTA_MESH = 'mesh-0';
const SOTW_MESH = 'mesh-1';

async function gcMemory(): Promise<{ rss: number; heap: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** Established TCP connections to the server's port, as the kernel counts them. */
function connectionsTo(port: number): number {
  const out = spawnSync('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.split('\n').filter((l) => l.trim()).length : NaN;
}

/** A fresh monitor per window: a re-enabled one counts the time it was disabled as one long delay. */
function loopDelay(): { stop(): { p99: number; max: number } } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop() {
      h.disable();
      return { p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
    },
  };
}
const delay = (d: { p99: number; max: number }) => `event-loop delay p99 ${ms(d.p99)}, max ${ms(d.max)}`;
const disconnects = (o: ServerObserver) => {
  const total = [...o.disconnects.values()].reduce((a, b) => a + b, 0);
  return `${total} disconnects${total ? ` (${describeCounts(Object.fromEntries(o.disconnects))})` : ''}`;
};
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

interface RestartResult {
  backMs: number;
  /** When every stream held what the server serves (or the wait ended). */
  syncedMs: number;
  lastPushMs: number | undefined;
  cpuMicros: number;
  delay: string;
  pushes: Map<string, number>;
  inSync: number;
  reconnects: number;
  /** Why client streams ended, since the clients started (gRPC code and details → count). */
  lost: Record<string, number>;
  nacks: number;
  /** Top functions by self time when profiling. */
  profile: string[];
  loopTrace: string[];
  /** Resources the new server encoded, and how many distinct ones its cache holds. */
  encoded: number;
  distinct: number;
}

/**
 * Resolves (with when) once every one of `streams` is in sync or `timeoutMs` passed; checks those
 * not yet in sync every 100 ms, 100 streams per turn of the event loop: the check runs in the
 * server's process, and asking 1,000 streams at once held its loop for tens of milliseconds, which
 * the restart's event-loop delay then counted as the server's.
 */
async function allInSync(cp: BenchControlPlane, streams: string[], timeoutMs: number): Promise<number> {
  const pending = new Set(streams);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let checked = 0;
    for (const id of [...pending]) {
      if (cp.xds.ads.streamInSync(id)) pending.delete(id);
      if (++checked % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    if (pending.size === 0 || performance.now() > deadline) return performance.now();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A replica's restart (a deploy): every stream ends and each sidecar reconnects with Envoy's backoff
 * to a new server that has translated nothing yet; delta streams name the versions they hold, SotW
 * streams the last version they accepted of each type. CPU and event-loop delay are the new
 * server's, from its start until every stream is back and in sync and nothing was pushed for 1 s.
 */
async function restartStorm(cp: BenchControlPlane, observer: ServerObserver, clients: ClientProcesses, n: number, profiler: CpuProfiler, trace: LoopTrace): Promise<RestartResult> {
  await observer.quiet(500);
  const nacks = observer.nacks;
  const reconnects = (await clients.report()).reconnects;
  let cpuStart = process.cpuUsage();
  let startedAt = performance.now();
  let monitor: ReturnType<typeof loopDelay> | undefined;
  await cp.restart(async () => {
    await profiler.start();
    trace.start();
    observer.countPushes();
    cpuStart = process.cpuUsage();
    startedAt = performance.now();
    monitor = loopDelay();
  });
  const backAt = await observer.connected(n, 300_000);
  // A stream is open before the server has read its requests: the window lasts until every stream
  // holds what the server serves (or two minutes), then a second in which nothing is pushed.
  const syncedAt = await allInSync(cp, [...observer.streams.keys()], 120_000);
  await observer.quiet(1000);
  // Nothing pushed at all: the same second of quiet after the last stream came back in sync.
  await new Promise((r) => setTimeout(r, Math.max(0, syncedAt + 1000 - performance.now())));
  const cpu = cpuMicros(process.cpuUsage(cpuStart));
  const delayed = monitor ? delay(monitor.stop()) : 'no event-loop delay measured';
  const pushes = observer.countPushes();
  const encodes = cp.xds.cache.stats();
  const profile = await profiler.stop(`restart-${n}`);
  const loopTrace = trace.stop('restart');
  const streams = [...observer.streams.keys()];
  const after = await clients.report();
  return {
    backMs: backAt - startedAt,
    syncedMs: syncedAt - startedAt,
    lastPushMs: observer.lastPushAt > startedAt ? observer.lastPushAt - startedAt : undefined,
    cpuMicros: cpu,
    delay: delayed,
    pushes,
    inSync: streams.filter((id) => cp.xds.ads.streamInSync(id)).length,
    reconnects: after.reconnects - reconnects,
    lost: after.lost,
    nacks: observer.nacks - nacks,
    profile,
    loopTrace,
    encoded: encodes.encodes.resources,
    distinct: encodes.distinctResources,
  };
}

interface ChangeSeries {
  mesh: string;
  /** What the mesh's sidecars speak. */
  protocol: 'delta' | 'SotW';
  affected: number;
  latencies: number[];
  lastPushes: number[];
  cpuPerProxy: number[];
  bytesPerProxy: number[];
  missing: number;
  otherServer: number;
  otherClient: number;
  delay: { p99: number; max: number };
  firstCpu: number[];
  firstLatencies: number[];
  firstDelay: { p99: number; max: number };
  profile: string[];
  loopTrace: string[];
  /** Per measured change: when the last response reached a client process (ms after the commit began). */
  lastReceived: number[];
  /** The client processes over the measured changes: longest GC pause and major GCs before a change's last response reached them, longest event-loop delay. */
  clientGcMaxMs: number;
  clientMajorGcs: number;
  clientLoopMaxMs: number;
}

/**
 * FIRST_CHANGES unmeasured changes of svc-0's route in `mesh`, then CHANGES measured ones, each
 * once the server was quiet for 500 ms; the profile and loop trace, when given, cover the
 * measured ones.
 */
async function measureChanges(cp: BenchControlPlane, observer: ServerObserver, clients: ClientProcesses, mesh: string, protocol: ChangeSeries['protocol'], profiling?: { profiler: CpuProfiler; trace: LoopTrace; profileName: string }): Promise<ChangeSeries> {
  const series: ChangeSeries = { mesh, protocol, affected: 0, latencies: [], lastPushes: [], cpuPerProxy: [], bytesPerProxy: [], missing: 0, otherServer: 0, otherClient: 0, delay: { p99: 0, max: 0 }, firstCpu: [], firstLatencies: [], firstDelay: { p99: 0, max: 0 }, profile: [], loopTrace: [], lastReceived: [], clientGcMaxMs: 0, clientMajorGcs: 0, clientLoopMaxMs: 0 };
  for (let c = -FIRST_CHANGES; c < CHANGES; c++) {
    await observer.quiet(500);
    // Started before the first measured change's window, so the profiler's own start-up is not
    // timed as a change; it runs through all measured changes (the quiet gaps between them are idle).
    if (c === 0 && profiling) {
      await profiling.profiler.start();
      profiling.trace.start();
    }
    await clients.mark(mesh);
    const changeLoop = loopDelay();
    // The client processes stamp responses on the monotonic clock all processes share.
    const t0Mono = process.hrtime.bigint();
    observer.beginChange(`default/${mesh}/`);
    await cp.changeRoute(mesh, (c + FIRST_CHANGES) % 2 === 0 ? 50 : 90);
    await observer.waitForAcks(60_000);
    const d = changeLoop.stop();
    if (c === CHANGES - 1 && profiling) {
      series.profile.push(...(await profiling.profiler.stop(profiling.profileName)));
      series.loopTrace.push(...profiling.trace.stop(`${CHANGES} measured changes (the quiet gaps between them included)`));
    }
    const worst = c < 0 ? series.firstDelay : series.delay;
    worst.p99 = Math.max(worst.p99, d.p99);
    worst.max = Math.max(worst.max, d.max);
    await observer.quiet(500);
    const result = observer.finish();
    const got = await clients.collect();
    series.missing += result.affected - result.acks.size;
    if (c < 0) {
      series.firstCpu.push(result.cpuMicros / result.affected);
      series.firstLatencies.push(...result.acks.values());
      continue;
    }
    series.latencies.push(...result.acks.values());
    if (result.lastPushMs !== undefined) series.lastPushes.push(result.lastPushMs);
    series.affected = result.affected;
    series.cpuPerProxy.push(result.cpuMicros / result.affected);
    series.bytesPerProxy.push(got.bytes.reduce((a, b) => a + b, 0) / Math.max(1, got.bytes.length));
    series.otherServer += result.otherMeshPushes;
    series.otherClient += got.otherMeshResponses;
    const received = got.windows.filter((w) => w.lastResponseAt).map((w) => Number(BigInt(w.lastResponseAt) - t0Mono) / 1e6);
    if (received.length) series.lastReceived.push(Math.max(...received));
    for (const w of got.windows) {
      series.clientGcMaxMs = Math.max(series.clientGcMaxMs, w.gcMaxMs);
      series.clientMajorGcs += w.majorGcs;
      series.clientLoopMaxMs = Math.max(series.clientLoopMaxMs, w.loopMaxMs);
    }
  }
  return series;
}

function describeChanges(s: ChangeSeries): string[] {
  const p50 = (xs: number[]) => percentile(xs, 50);
  return [
    `  change: svc-0 route in ${s.mesh} (${s.protocol} sidecars) ×${CHANGES}, ${s.affected} affected streams each: change → ACK p50 ${ms(p50(s.latencies))}, p99 ${ms(percentile(s.latencies, 99))}, max ${ms(Math.max(...s.latencies))} (last push sent p50 ${ms(p50(s.lastPushes))}, max ${ms(Math.max(...s.lastPushes))})` +
      `${s.missing ? ` (${s.missing} ACKs missing after 60 s)` : ''}; server CPU ${ms(p50(s.cpuPerProxy) / 1000)} per change per affected proxy (${ms(Math.min(...s.cpuPerProxy) / 1000)}–${ms(Math.max(...s.cpuPerProxy) / 1000)}); ${kib(p50(s.bytesPerProxy))} sent per affected proxy; ` +
      `pushes to other meshes: ${s.otherServer} (server) / ${s.otherClient} (clients); ${delay(s.delay)} (worst of the ${CHANGES})`,
    `          in the client processes: last response received p50 ${ms(p50(s.lastReceived))}, max ${ms(Math.max(...s.lastReceived))} after the commit began; their longest GC pause before a change's last response ${ms(s.clientGcMaxMs)} (${s.clientMajorGcs} major GCs over the ${CHANGES}), longest event-loop delay ${ms(s.clientLoopMaxMs)}`,
    `          the ${FIRST_CHANGES} changes before them${s.mesh === DELTA_MESH ? ', the first after the storm' : ''}: change → ACK p99 ${ms(percentile(s.firstLatencies, 99))}; server CPU ${s.firstCpu.map((c) => ms(c / 1000)).join(', ')} per affected proxy; ${delay(s.firstDelay)}`,
  ];
}

export interface FanoutOptions {
  /** 0: a connection per sidecar; N: N sidecars share one. */
  pool: number;
  /** How many processes run the simulated sidecars. */
  clientProcesses: number;
  nodeExtras: Record<string, unknown> | undefined;
  profileDir?: string;
  loopTrace?: boolean;
}

export async function fanoutRun(n: number, { pool, clientProcesses, nodeExtras, profileDir, loopTrace = false }: FanoutOptions): Promise<void> {
  const profiler = new CpuProfiler(profileDir);
  const trace = new LoopTrace(loopTrace);
  const observer = new ServerObserver();
  const cp = await startBenchControlPlane(observer.hooks);
  const clients = new ClientProcesses({ xds: `127.0.0.1:${cp.xds.port}`, count: n, meshes: MESHES, pool, processes: clientProcesses, ...(nodeExtras ? { nodeExtras } : {}) });
  try {
    await clients.ready();
    // The server's protobuf root is loaded once per process at start-up, not per proxy.
    envoyRoot();
    const before = await gcMemory();
    const stormLoop = loopDelay();
    const cpuStart = process.cpuUsage();
    const started = process.hrtime.bigint();
    const startedAt = performance.now();
    await profiler.start();
    trace.start();
    observer.countPushes();
    const lastWarm = await clients.start(600_000);
    const quietAt = await observer.quiet(1000);
    const stormCpu = cpuMicros(process.cpuUsage(cpuStart));
    const stormDelay = delay(stormLoop.stop());
    const stormPushes = observer.countPushes();
    const stormProfile = await profiler.stop(`storm-${n}`);
    const stormTrace = trace.stop('storm');
    const stormDisconnects = disconnects(observer);
    const stormNacks = observer.nacks;
    const warmMs = Number(lastWarm - started) / 1e6;
    const report = await clients.report();
    const connections = connectionsTo(cp.xds.port);
    const after = await gcMemory();

    // Sidecars of even meshes speak delta and those of odd meshes state of the world (trellis-agent's
    // default is delta): changes are measured in one mesh of each.
    const deltaChanges = await measureChanges(cp, observer, clients, DELTA_MESH, 'delta', { profiler, trace, profileName: `changes-${n}` });
    const sotwChanges = await measureChanges(cp, observer, clients, SOTW_MESH, 'SotW');

    const restart = await restartStorm(cp, observer, clients, n, profiler, trace);

    console.log(`N=${n} (${Math.ceil(n / 2)} delta, ${Math.floor(n / 2)} SotW; ${pool > 0 ? `${pool} sidecars per connection` : 'one connection per sidecar'}: ${connections} TCP connections to the server, ${report.connections} client channels)`);
    console.log(
      `  storm:  all ${n} warm in ${(warmMs / 1000).toFixed(2)} s, server quiet after ${((quietAt - startedAt) / 1000).toFixed(2)} s; server CPU ${ms(stormCpu / 1000 / n)} per proxy; ${stormDelay}; ` +
        `${report.reconnects} reconnects${report.reconnects ? ` (${describeCounts(report.lost)})` : ''}, ${stormDisconnects}, ${stormNacks} NACKs; client processes used ${(report.cpuMicros / 1e6).toFixed(1)} s CPU (${report.decoded} resource versions decoded)`,
    );
    console.log(`          responses sent: ${[...stormPushes].sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`  memory: ${kib((after.heap - before.heap) / n)} live heap per stream after GC, ${kib((after.rss - before.rss) / n)} RSS per stream`);
    for (const line of [...describeChanges(deltaChanges), ...describeChanges(sotwChanges)]) console.log(line);
    console.log(
      `  restart: all ${n} streams back on a new server after ${(restart.backMs / 1000).toFixed(2)} s, in sync after ${(restart.syncedMs / 1000).toFixed(2)} s, ${restart.lastPushMs === undefined ? 'nothing pushed' : `last push at ${(restart.lastPushMs / 1000).toFixed(2)} s`}; server CPU ${ms(restart.cpuMicros / 1000 / n)} per proxy; ${restart.delay}; ` +
        `${restart.encoded} resources encoded (${restart.distinct} distinct held); ${restart.inSync}/${n} streams in sync; ${restart.reconnects} reconnects (${describeCounts(restart.lost)}), ${restart.nacks} NACKs`,
    );
    console.log(`          responses sent: ${restart.pushes.size ? [...restart.pushes].sort().map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}`);
    if (profileDir) {
      console.log(`  profile of the storm (self time; ${profileDir}/storm-${n}.cpuprofile):\n    ${stormProfile.join('\n    ')}`);
      console.log(`  profile of the restart (self time; ${profileDir}/restart-${n}.cpuprofile):\n    ${restart.profile.join('\n    ')}`);
      console.log(`  profile of the ${CHANGES} measured changes in ${DELTA_MESH} (self time; ${profileDir}/changes-${n}.cpuprofile):\n    ${deltaChanges.profile.join('\n    ')}`);
    }
    for (const line of [...stormTrace, ...deltaChanges.loopTrace, ...restart.loopTrace]) console.log(`  ${line}`);
  } finally {
    profiler.close();
    await clients.stop();
    await cp.stop();
  }
}
