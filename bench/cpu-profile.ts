// Optional CPU profiles of bench windows (`--profile DIR`): one .cpuprofile per window, readable in
// Chrome DevTools or speedscope; the bench prints the top functions by self time.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export class CpuProfiler {
  private readonly session = new Session();
  private connected = false;

  constructor(private readonly dir: string | undefined) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  async start(): Promise<void> {
    if (!this.dir) return;
    if (!this.connected) {
      this.session.connect();
      this.connected = true;
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.setSamplingInterval', { interval: 500 });
    }
    await this.session.post('Profiler.start');
  }

  /** Stops, writes `<dir>/<name>.cpuprofile` and returns the top `top` functions by self time. */
  async stop(name: string, top = 15): Promise<string[]> {
    if (!this.dir) return [];
    const { profile } = (await this.session.post('Profiler.stop')) as { profile: Profile };
    writeFileSync(path.join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
    return summarize(profile, top);
  }

  close(): void {
    if (this.connected) this.session.disconnect();
  }
}

function summarize(profile: Profile, top: number): string[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byNode.get(samples[i]!);
    if (!node) continue;
    const dt = deltas[i] ?? 0;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${file}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
