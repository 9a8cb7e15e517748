// The bench process's side of the client processes (bench/fanout-client.ts): fork, command, gather.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientCommand, ClientConfig, ClientWindow } from './fanout-client.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

function ask<T>(child: ChildProcess, command: ClientCommand, answer: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { cmd: string }) => {
      if (m.cmd !== answer) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`client process exited (${code}) before answering ${command.cmd}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(command);
  });
}

export interface ClientReport {
  warm: number;
  lastWarm: string;
  reconnects: number;
  decoded: number;
  connections: number;
  /** CPU the client processes spent since their sidecars started. */
  cpuMicros: number;
  /** Why streams were lost (gRPC code and details) → how often. */
  lost: Record<string, number>;
}

function mergeCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** "12× 14 Connection dropped, 3× …", most frequent first. */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}× ${k}`).join(', ');
}

/** `processes` client processes sharing sidecars first..first+count-1 between them. */
export class ClientProcesses {
  private readonly children: ChildProcess[];
  private readonly counts: number[];
  private readonly loaded: Promise<unknown[]>;

  private readonly dir: string;

  constructor(o: { xds: string; first?: number; count: number; meshes: number; pool: number; processes: number; nodeExtras?: Record<string, unknown> }) {
    const per = Math.ceil(o.count / o.processes);
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-fanout-clients-'));
    const nodeExtrasFile = path.join(this.dir, 'node-extras.json');
    if (o.nodeExtras) writeFileSync(nodeExtrasFile, JSON.stringify(o.nodeExtras));
    this.counts = Array.from({ length: o.processes }, (_, c) => Math.max(0, Math.min(per, o.count - c * per))).filter((n) => n > 0);
    this.children = this.counts.map((count, c) => {
      const config: ClientConfig = { xds: o.xds, first: (o.first ?? 0) + c * per, count, meshes: o.meshes, pool: o.pool, ...(o.nodeExtras ? { nodeExtrasFile } : {}) };
      return fork(path.join(here, 'fanout-client.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, FANOUT_CLIENT: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    });
    this.loaded = Promise.all(this.children.map((c) => new Promise((resolve) => c.once('message', resolve))));
  }

  /** Resolves once every client process has loaded its code and protos (its first message). */
  ready(): Promise<unknown> {
    return this.loaded;
  }

  /** Starts every sidecar at once; resolves with the monotonic time (ns) the last one became warm. */
  async start(timeoutMs: number): Promise<bigint> {
    await this.loaded;
    const warm = this.children.map(
      (child) =>
        new Promise<bigint>((resolve) => {
          const on = (m: { cmd: string; at?: string }) => {
            if (m.cmd !== 'warm') return;
            child.off('message', on);
            resolve(BigInt(m.at!));
          };
          child.on('message', on);
        }),
    );
    await Promise.all(this.children.map((c) => ask(c, { cmd: 'start' }, 'started')));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.report().then((r) => reject(new Error(`only ${r.warm}/${this.counts.reduce((a, b) => a + b, 0)} sidecars warm after ${timeoutMs / 1000} s (${r.reconnects} reconnects: ${describeCounts(r.lost)})`)));
      }, timeoutMs);
    });
    try {
      const times = await Promise.race([Promise.all(warm), timeout]);
      return times.reduce((a, b) => (b > a ? b : a), 0n);
    } finally {
      clearTimeout(timer);
    }
  }

  async report(): Promise<ClientReport> {
    const reports = await Promise.all(this.children.map((c) => ask<ClientReport>(c, { cmd: 'report' }, 'report')));
    return reports.reduce(
      (a, r) => ({ warm: a.warm + r.warm, lastWarm: '', reconnects: a.reconnects + r.reconnects, decoded: a.decoded + r.decoded, connections: a.connections + r.connections, cpuMicros: a.cpuMicros + r.cpuMicros, lost: mergeCounts(a.lost, r.lost) }),
      { warm: 0, lastWarm: '', reconnects: 0, decoded: 0, connections: 0, cpuMicros: 0, lost: {} },
    );
  }

  /** From now on, count response bytes per sidecar of `mesh` and responses to any other mesh. */
  async mark(mesh: string): Promise<void> {
    await Promise.all(this.children.map((c) => ask(c, { cmd: 'mark', mesh }, 'marked')));
  }

  /** Since `mark`: bytes per sidecar of the marked mesh, responses to other meshes, and what each client process did meanwhile. */
  async collect(): Promise<{ bytes: number[]; otherMeshResponses: number; windows: ClientWindow[] }> {
    const all = await Promise.all(this.children.map((c) => ask<{ bytes: number[]; otherMeshResponses: number; window: ClientWindow }>(c, { cmd: 'collect' }, 'collected')));
    return { bytes: all.flatMap((a) => a.bytes), otherMeshResponses: all.reduce((a, b) => a + b.otherMeshResponses, 0), windows: all.map((a) => a.window) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => new Promise((resolve) => (c.once('exit', resolve), c.send({ cmd: 'stop' })))));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
