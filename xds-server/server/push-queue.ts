/**
 * Runs the pushes cache changes cause in bounded turns of the event loop. One publish can notify
 * every stream of a mesh at once (a shared base, or a scope many replicas share); pushing them all
 * in the microtask drain after it held the event loop for as long as all those encodes and writes
 * took. Here the first pushes run in that drain, as before, and once `budgetMs` of wall-clock time
 * is spent the rest wait for a later turn (`later`: the ADS server's request slices, so pushes and
 * request handling share one budget per turn of the event loop; by default the check phase), which
 * continues them in order, so timers, keepalives and requests run in between. Given `turnHasTime`
 * (the request slices' budget), the queue asks it before each push instead of keeping a budget of
 * its own, so the pushes that follow a reload count against the same turn as the reload and the
 * requests around it.
 */
export interface PushQueueOptions {
  /** Wall-clock time the queue's own budget allows per turn (unused with `turnHasTime`); 10 ms. */
  budgetMs?: number;
  now?: () => number;
  /** Where pushes past the budget continue; the next check phase by default. */
  later?: (resume: () => void) => void;
  /** Whether the turn has time left for another push, when the budget is shared with other work. */
  turnHasTime?: () => boolean;
}

export class PushQueue {
  private queue: ((() => void) | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  private readonly budgetMs: number;
  private readonly now: () => number;
  private readonly later: (resume: () => void) => void;
  private readonly turnHasTime: (() => boolean) | undefined;

  constructor(options: PushQueueOptions = {}) {
    this.budgetMs = options.budgetMs ?? 10;
    this.now = options.now ?? (() => performance.now());
    this.later = options.later ?? ((resume) => setImmediate(resume));
    this.turnHasTime = options.turnHasTime;
  }

  /** Runs `push` after the current task (and its microtasks so far), or in a later turn when earlier pushes used up this one. */
  schedule(push: () => void): void {
    this.queue.push(push);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain(false));
  }

  /** Pushes queued and not yet run. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** `resumed`: a turn given by `later`, which runs at least one push whatever the budget says. */
  private drain(resumed: boolean): void {
    const started = this.now();
    const hasTime = this.turnHasTime ?? (() => this.now() - started < this.budgetMs);
    let ran = 0;
    while (this.head < this.queue.length) {
      if ((ran > 0 || !resumed) && !hasTime()) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
        this.later(() => this.drain(true));
        return;
      }
      const push = this.queue[this.head]!;
      this.queue[this.head++] = undefined;
      ran++;
      try {
        push();
      } catch {
        // Each push handles its own failure (it ends its stream); one must not keep the others waiting.
      }
    }
    this.queue = [];
    this.head = 0;
    this.scheduled = false;
  }
}
