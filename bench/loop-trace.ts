// Optional event-loop trace of bench windows (`--loop-trace`): which callbacks ran in the longest
// turns of the event loop. A 10 ms heartbeat timer marks the turns (timers run once per turn, so a
// long gap between two beats is one long turn; its Immediate callbacks say how many check phases
// ran); async hooks record every top-level
// callback's type, start and duration. For each of the longest gaps the trace prints how many
// callbacks of each type ran in it and how long they took in all: time in the gap outside them is
// spent outside JavaScript callbacks (Node's HTTP/2 and socket layers, the hooks themselves).
// The hooks slow the process down; the window's other figures are not comparable with untraced runs.
import { createHook, type AsyncHook } from 'node:async_hooks';

const CAPACITY = 20_000_000;

export class LoopTrace {
  private readonly starts = new Float64Array(CAPACITY);
  private readonly durations = new Float32Array(CAPACITY);
  private readonly types = new Uint16Array(CAPACITY);
  private count = 0;
  private readonly typeOf = new Map<number, number>();
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  private readonly open: number[] = [];
  private beats: number[] = [];
  private hook: AsyncHook | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly enabled: boolean) {}

  start(): void {
    if (!this.enabled) return;
    this.count = 0;
    this.beats = [];
    this.hook ??= createHook({
      init: (id, type) => {
        let t = this.nameIndex.get(type);
        if (t === undefined) {
          t = this.names.length;
          this.names.push(type);
          this.nameIndex.set(type, t);
        }
        this.typeOf.set(id, t);
      },
      before: (id) => {
        this.open.push(id, performance.now());
      },
      after: (id) => {
        // A callback that began before the hook was enabled has no start to pair with.
        if (this.open.length === 0) return;
        const started = this.open.pop()!;
        this.open.pop();
        if (this.open.length > 0 || this.count >= CAPACITY) return;
        this.starts[this.count] = started;
        this.durations[this.count] = performance.now() - started;
        this.types[this.count] = this.typeOf.get(id) ?? 0xffff;
        this.count++;
      },
      destroy: (id) => {
        this.typeOf.delete(id);
      },
    });
    this.hook.enable();
    this.heartbeat = setInterval(() => this.beats.push(performance.now()), 10);
  }

  /** Stops recording; the `top` longest gaps of the window, each with its callbacks by type. */
  stop(label: string, top = 3): string[] {
    if (!this.enabled) return [];
    this.hook?.disable();
    clearInterval(this.heartbeat);
    this.open.length = 0;
    const gaps: { length: number; from: number; to: number }[] = [];
    for (let i = 1; i < this.beats.length; i++) gaps.push({ length: this.beats[i]! - this.beats[i - 1]!, from: this.beats[i - 1]!, to: this.beats[i]! });
    gaps.sort((a, b) => b.length - a.length);
    const lines = [`event-loop trace of the ${label} (${this.count} callbacks recorded):`];
    for (const gap of gaps.slice(0, top)) {
      const byType = new Map<string, { count: number; ms: number; max: number }>();
      let count = 0;
      let inside = 0;
      for (let i = 0; i < this.count; i++) {
        const at = this.starts[i]!;
        if (at < gap.from || at > gap.to) continue;
        const type = this.names[this.types[i]!] ?? '(unknown)';
        const d = this.durations[i]!;
        const entry = byType.get(type) ?? { count: 0, ms: 0, max: 0 };
        entry.count++;
        entry.ms += d;
        entry.max = Math.max(entry.max, d);
        byType.set(type, entry);
        count++;
        inside += d;
      }
      lines.push(`  ${gap.length.toFixed(0)} ms without a heartbeat, ${((gap.from - this.beats[0]!) / 1000).toFixed(1)} s into the window: ${count} callbacks, ${inside.toFixed(0)} ms inside them`);
      for (const [type, e] of [...byType].sort((a, b) => b[1].ms - a[1].ms).slice(0, 6)) lines.push(`    ${type}: ${e.count} callbacks, ${e.ms.toFixed(0)} ms, longest ${e.max.toFixed(1)} ms`);
    }
    return lines;
  }
}
