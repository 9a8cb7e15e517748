/**
 * Bounds how long request handling holds the event loop in one go. Under a connection storm libuv
 * hands one poll phase up to 48 × 1,024 ready sockets; handling each request right in the read
 * that delivered it (decode, session, push) made one phase last many seconds, in which no timer
 * ran (debounced reloads, keepalives). Here a request is handled at once while this turn of the
 * loop has spent less than the budget on requests; past it, requests queue, and turns (check-phase
 * callbacks) handle them in arrival order, a budget each, giving the loop back in between, so
 * timers and other I/O run. Each stream still handles its own requests one after another
 * (AdsStream chains them).
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
  /** Time spent on requests in this turn of the loop (reset by a check-phase callback). */
  private spent = 0;
  private resetScheduled = false;

  constructor(
    /** Time a turn may spend starting requests before it yields (the request running when it ends completes first). */
    private readonly budgetMs = 10,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `task` now if the loop's turn has budget left and nothing waits, else in a later turn; settles as its promise does. */
  run(task: () => Promise<void>): Promise<void> {
    if (this.head === this.waiting.length && this.spent < this.budgetMs) {
      const started = this.now();
      let result: Promise<void>;
      try {
        result = task();
      } catch (err) {
        result = Promise.reject(err);
      }
      this.spent += this.now() - started;
      this.scheduleReset();
      return result;
    }
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

  private scheduleReset(): void {
    if (this.resetScheduled) return;
    this.resetScheduled = true;
    setImmediate(() => {
      this.resetScheduled = false;
      this.spent = 0;
    });
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
    // What was queued is handled by turns: requests arriving meanwhile wait behind it.
    this.spent = this.budgetMs;
    this.scheduleReset();
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
