// Child process of bench/fanout.ts: `count` simulated sidecars (even index delta, odd SotW), each
// on its own HTTP/2 connection unless `pool` > 0 shares one per `pool` sidecars. Driven over IPC.
import { readFileSync } from 'node:fs';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { agentMetadata, agentNode, encodeNode, nodeMessage, sidecarShape } from './fanout-node.ts';
import { SimulatedSidecar } from './fanout-sidecar.ts';
import { decodedVersions } from './fanout-decode.ts';
import { cpuMicros } from './fanout-observer.ts';
import { envoyRoot } from '../xds-server/protos/index.ts';

export interface ClientConfig {
  xds: string;
  first: number;
  count: number;
  meshes: number;
  /** 0: one connection per sidecar, as real sidecars have; N: N sidecars share one. */
  pool: number;
  /** JSON file of the node fields Envoy adds itself (fanout-envoy-node.ts); without it only the user agent name. */
  nodeExtrasFile?: string;
}

export type ClientCommand = { cmd: 'start' } | { cmd: 'report' } | { cmd: 'mark'; mesh: string } | { cmd: 'collect' } | { cmd: 'stop' };

const cfg = JSON.parse(process.env.FANOUT_CLIENT ?? '{}') as ClientConfig;
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // grpc-js shares a subchannel (one TCP connection) between channels of equal target and options otherwise.
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': -1,
  // The bootstrap's HTTP/2 keepalive towards the xDS server.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 5_000,
};

interface Entry {
  sidecar: SimulatedSidecar;
  mesh: string;
  bytes: number;
}

const envoyAdds = encodeNode(cfg.nodeExtrasFile ? (JSON.parse(readFileSync(cfg.nodeExtrasFile, 'utf8')) as Record<string, unknown>) : { user_agent_name: 'envoy' });
const channels: grpc.Client[] = [];
const entries: Entry[] = [];
let warm = 0;
let lastWarm = 0n;
let target = '';
let marked = false;
let otherMeshResponses = 0;
let cpuAtStart: NodeJS.CpuUsage | undefined;
/** Why streams were lost: gRPC code and details → count. */
const lost = new Map<string, number>();

/** What this process itself did while a change window was open (`mark` to `collect`). */
export interface ClientWindow {
  /** Monotonic time (ns, process.hrtime.bigint) of the last response a sidecar of the marked mesh received; '' when none came. */
  lastResponseAt: string;
  /** Of this process's GC pauses that began in the window before its last response (those that could delay it): the longest, and how many were major (mark-compact). */
  gcMaxMs: number;
  majorGcs: number;
  /** This process's longest event-loop delay in the window. */
  loopMaxMs: number;
}
let lastResponseAt = 0n;
/** performance.now() 0 on the monotonic clock, to place GC entries next to response times. */
const monoOrigin = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
let pauses: { at: bigint; ms: number; major: boolean }[] = [];
new PerformanceObserver((list) => {
  if (!marked) return;
  for (const e of list.getEntries()) {
    const major = (e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR;
    pauses.push({ at: monoOrigin + BigInt(Math.round(e.startTime * 1e6)), ms: e.duration, major });
  }
}).observe({ entryTypes: ['gc'] });
let loop: ReturnType<typeof monitorEventLoopDelay> | undefined;

function channelFor(k: number): grpc.Client {
  const slot = cfg.pool > 0 ? Math.floor(k / cfg.pool) : k;
  return (channels[slot] ??= new grpc.Client(cfg.xds, grpc.credentials.createInsecure(), CHANNEL_OPTIONS));
}

function start(): void {
  for (let k = 0; k < cfg.count; k++) {
    const i = cfg.first + k;
    const shape = sidecarShape(i, cfg.meshes);
    const counter = { mesh: shape.mesh, bytes: 0 };
    const sidecar = new SimulatedSidecar({
      protocol: i % 2 === 0 ? 'delta' : 'sotw',
      node: [encodeNode(nodeMessage(agentNode(agentMetadata(shape)))), envoyAdds],
      channel: channelFor(k),
      onResponse: (bytes) => {
        if (!marked) return;
        if (counter.mesh === target) {
          counter.bytes += bytes;
          lastResponseAt = process.hrtime.bigint();
        } else otherMeshResponses++;
      },
      onStreamLost: (why) => void lost.set(why, (lost.get(why) ?? 0) + 1),
      onWarm: () => {
        lastWarm = process.hrtime.bigint();
        if (++warm === cfg.count) process.send?.({ cmd: 'warm', at: lastWarm.toString() });
      },
    });
    entries.push(Object.assign(counter, { sidecar }));
    sidecar.start();
  }
}

process.on('message', (m: ClientCommand) => {
  switch (m.cmd) {
    case 'start':
      cpuAtStart = process.cpuUsage();
      start();
      process.send?.({ cmd: 'started' });
      break;
    case 'report':
      process.send?.({ cmd: 'report', warm, lastWarm: lastWarm.toString(), reconnects: entries.reduce((a, e) => a + e.sidecar.reconnects, 0), decoded: decodedVersions(), connections: channels.length, lost: Object.fromEntries(lost), cpuMicros: cpuAtStart ? cpuMicros(process.cpuUsage(cpuAtStart)) : 0 });
      break;
    case 'mark':
      target = m.mesh;
      marked = true;
      otherMeshResponses = 0;
      for (const e of entries) e.bytes = 0;
      lastResponseAt = 0n;
      pauses = [];
      // A fresh monitor per window: a re-enabled one counts the time it was disabled as one long delay.
      loop?.disable();
      loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      process.send?.({ cmd: 'marked' });
      break;
    case 'collect': {
      loop?.disable();
      const before = pauses.filter((p) => !lastResponseAt || p.at < lastResponseAt);
      const window: ClientWindow = {
        lastResponseAt: lastResponseAt ? lastResponseAt.toString() : '',
        gcMaxMs: Math.max(0, ...before.map((p) => p.ms)),
        majorGcs: before.filter((p) => p.major).length,
        loopMaxMs: loop ? loop.max / 1e6 : 0,
      };
      process.send?.({ cmd: 'collected', bytes: entries.filter((e) => e.mesh === target).map((e) => e.bytes), otherMeshResponses, window });
      break;
    }
    case 'stop':
      for (const e of entries) e.sidecar.stop();
      for (const c of channels) c.close();
      process.exit(0);
  }
});

// Loaded before the parent starts its clock: the storm measures the server, not this process's start-up.
envoyRoot();
process.send?.({ cmd: 'ready' });
