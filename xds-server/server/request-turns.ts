/**
 * Bounds how long request handling holds the event loop in one go. Under a connection storm libuv
 * hands one poll phase up to 48 × 1,024 ready sockets; handling each request right in the read
 * that delivered it (decode, session, push) made one phase last many seconds, in which no timer
 * ran (debounced reloads, keepalives).
 *
 * Here request handling runs in slices of `budgetMs` of wall-clock time. A slice begins with the
 * first request started after the previous one ended and lasts until the check phase of the loop
 * (a setImmediate) or until its budget is spent, whichever is first; past the budget requests queue,
 * and the next slice (in the check phase) starts them in arrival order. The budget is one per turn
 * of the loop: when a slice begun in this turn's timers or poll phase (a debounced reload, the
 * reads that delivered requests) has spent it by the check phase, that check phase starts nothing
 * and the waiting work goes to the next turn, after its timers; a slice begun there with time left
 * goes on with what is left. (Two fresh budgets in one turn, one in the poll phase and one in the
 * check phase, let a turn hold the loop for twice the budget and more.) The clock runs across the
 * microtasks a request's handler continues in (after an `await`: a stream's first request resolves
 * the node, then pushes), because a queued request starts only once the slice has time left and at
 * most `maxInFlight` handlers started in this slice are unsettled, so a slice cannot start
 * thousands of handlers whose continuations then run unbounded. A handler still unsettled when its
 * slice ends waits on I/O (a mesh loading from the store): it stops counting, so a slow store
 * never holds up the requests of other streams. Each stream still handles its own requests one
 * after another (AdsStream chains them).
 *
 * Work run with `first` (the control plane loading or reloading a mesh, pushes continued from an
 * earlier turn) queues ahead of requests: it is what every stream of a mesh waits for, and behind
 * a storm's backlog of requests a reload needing a few turns took seconds. It still runs within
 * the same slices and budget.
 */
interface Waiting {
  run: () => Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class RequestTurns {
  private waiting: Waiting[] = [];
  /** Queued with `first`: started before any request that waits. */
  private urgent: Waiting[] = [];
  private head = 0;
  /** Handlers started in the current slice and not yet settled. */
  private inFlight = 0;
  private slice = 0;
  /** When the current slice began, or undefined between slices. */
  private sliceStart: number | undefined;
  /** The current slice began in a check phase (its time belongs to an earlier turn once the next check phase comes). */
  private sliceFromCheck = false;
  private nextSliceScheduled = false;

  constructor(
    /** Wall-clock time a slice may spend starting requests (handlers running when it ends complete first). */
    private readonly budgetMs = 10,
    private readonly now: () => number = () => performance.now(),
    /** Handlers started in one slice and not yet settled, at most. */
    private readonly maxInFlight = 16,
  ) {}

  /**
   * Runs `task` now if the slice has time and room left and nothing waits, else in a later slice
   * (ahead of waiting requests when `first`); settles as its promise does.
   */
  run(task: () => Promise<void>, first = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      (first ? this.urgent : this.waiting).push({ run: task, resolve, reject });
      this.startWaiting();
    });
  }

  /** Tasks queued and not yet started. */
  get pending(): number {
    return this.waiting.length - this.head + this.urgent.length;
  }

  private startWaiting(): void {
    while ((this.urgent.length > 0 || this.head < this.waiting.length) && this.inFlight < this.maxInFlight) {
      if (!this.hasTime()) return;
      let next: Waiting;
      if (this.urgent.length > 0) next = this.urgent.shift()!;
      else {
        next = this.waiting[this.head]!;
        this.waiting[this.head++] = undefined as unknown as Waiting;
      }
      this.inFlight++;
      const slice = this.slice;
      let result: Promise<void>;
      try {
        result = next.run();
      } catch (err) {
        result = Promise.reject(err);
      }
      result.then(
        () => this.settled(slice, next.resolve),
        (err: unknown) => this.settled(slice, () => next.reject(err)),
      );
    }
    this.compact();
  }

  private settled(slice: number, settle: () => void): void {
    if (slice === this.slice) this.inFlight--;
    settle();
    this.startWaiting();
  }

  /**
   * Whether the current slice has time left, beginning one (ended by the next check phase) when
   * none is open. Work that is not a task of its own (the pushes a publish starts) asks this
   * before each step, so its time counts against the same budget as the requests'.
   */
  hasTime(): boolean {
    const at = this.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = at;
      this.sliceFromCheck = false;
      this.scheduleNextSlice();
      return true;
    }
    return at - this.sliceStart < this.budgetMs;
  }

  /**
   * Ends the slice in the next check phase and starts what waits there, within what is left of the
   * turn's budget: all of it, unless a slice begun in this turn's timers or poll phase spent part.
   */
  private scheduleNextSlice(): void {
    if (this.nextSliceScheduled) return;
    this.nextSliceScheduled = true;
    setImmediate(() => {
      this.nextSliceScheduled = false;
      const at = this.now();
      const turnStart = this.sliceStart !== undefined && !this.sliceFromCheck ? this.sliceStart : at;
      this.sliceStart = undefined;
      this.slice++;
      this.inFlight = 0;
      if (this.pending === 0) return;
      if (at - turnStart >= this.budgetMs) {
        // This turn's timers or poll phase spent the budget: what waits starts in the next turn.
        this.scheduleNextSlice();
        return;
      }
      this.sliceStart = turnStart;
      this.sliceFromCheck = true;
      this.scheduleNextSlice();
      this.startWaiting();
    });
  }

  private compact(): void {
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }
}
