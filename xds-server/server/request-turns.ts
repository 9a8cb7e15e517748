/**
 * Runs request handling in turns of the event loop, each turn a bounded time, instead of inside
 * the I/O callback that read the request. Under a connection storm libuv hands one poll phase up to
 * 48 × 1,024 ready sockets; handling each request right there (decode, session, push) made one
 * phase last many seconds, in which no timer ran (debounced reloads, keepalives, probes' timers).
 * Here a read only queues its request; a turn (a check-phase callback) starts queued requests in
 * arrival order until its budget is spent, then gives the loop back, so timers and other I/O run
 * between turns. Each stream still handles its own requests one after another (AdsStream chains them).
 */
interface Waiting {
  run: () => Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class RequestTurns {
  private waiting: Waiting[] = [];
  private head = 0;
  private scheduled = false;

  constructor(
    /** Time a turn may spend starting requests before it yields (the request running when it ends completes first). */
    private readonly budgetMs = 10,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `task` in a turn; settles as its promise does. */
  run(task: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ run: task, resolve, reject });
      this.schedule();
    });
  }

  /** Requests queued and not yet started. */
  get pending(): number {
    return this.waiting.length - this.head;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    const end = this.now() + this.budgetMs;
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as unknown as Waiting;
      try {
        next.run().then(next.resolve, next.reject);
      } catch (err) {
        next.reject(err);
      }
      if (this.now() >= end) break;
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else {
      if (this.head > 1024) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      this.schedule();
    }
  }
}
