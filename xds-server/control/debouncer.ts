export interface DebounceOptions {
  /** Quiet time after the last trigger before firing (about 100 ms). */
  quietMs: number;
  /** Longest a burst of triggers may delay the first of them. */
  maxDelayMs: number;
}

/**
 * Per-key trailing debounce with a ceiling: a burst of changes to one mesh becomes one push,
 * and a never-ending burst still pushes every `maxDelayMs`.
 */
export class Debouncer {
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; firstAt: number }>();

  constructor(
    private readonly options: DebounceOptions,
    private readonly fire: (key: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  trigger(key: string): void {
    const existing = this.pending.get(key);
    const firstAt = existing?.firstAt ?? this.now();
    if (existing) clearTimeout(existing.timer);
    const wait = Math.max(0, Math.min(this.options.quietMs, firstAt + this.options.maxDelayMs - this.now()));
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.fire(key);
    }, wait);
    this.pending.set(key, { timer, firstAt });
  }

  cancelAll(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
