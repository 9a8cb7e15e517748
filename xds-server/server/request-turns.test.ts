import { describe, expect, it } from 'vitest';
import { RequestTurns } from './request-turns.ts';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** A task that "takes" `ms` on the fake clock and records its start. */
const taking = (clock: { t: number }, ms: number, log: string[], name: string) => async () => {
  clock.t += ms;
  log.push(name);
};

describe('RequestTurns', () => {
  it('handles requests at once while the loop turn has budget left, then queues the rest for later turns in arrival order', async () => {
    const clock = { t: 0 };
    const turns = new RequestTurns(10, () => clock.t);
    const log: string[] = [];
    // 4 ms each: the third crosses the 10 ms budget, so the fourth and fifth wait.
    const done = [0, 1, 2, 3, 4].map((i) => turns.run(taking(clock, 4, log, `r${i}`)));
    expect(log).toEqual(['r0', 'r1', 'r2']);
    expect(turns.pending).toBe(2);
    await Promise.all(done);
    expect(log).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(turns.pending).toBe(0);
  });

  it('starts work queued with first ahead of the requests waiting, within the same budget', async () => {
    const clock = { t: 0 };
    const turns = new RequestTurns(10, () => clock.t);
    const log: string[] = [];
    const done = [0, 1, 2, 3, 4].map((i) => turns.run(taking(clock, 4, log, `r${i}`)));
    done.push(turns.run(taking(clock, 4, log, 'reload'), true), turns.run(taking(clock, 4, log, 'push'), true));
    // The slice's budget was spent by r0-r2: nothing more runs now, not even the urgent work, nor in
    // this turn's check phase (the turn's budget is spent).
    expect(log).toEqual(['r0', 'r1', 'r2']);
    expect(turns.pending).toBe(4);
    await nextTurn();
    expect(log).toEqual(['r0', 'r1', 'r2']);
    await nextTurn();
    // The next turn's slice starts the urgent work first, in its order, then requests while budget is left.
    expect(log).toEqual(['r0', 'r1', 'r2', 'reload', 'push', 'r3']);
    await Promise.all(done);
    expect(log).toEqual(['r0', 'r1', 'r2', 'reload', 'push', 'r3', 'r4']);
  });

  it('gives the event loop back once a turn spent its budget, so a due timer runs between turns', async () => {
    // From a timer callback: the first turn runs in this loop iteration's check phase, the timer below in the next's timers phase.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const clock = { t: 0 };
    const turns = new RequestTurns(10, () => clock.t);
    const log: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void log.push('timer')), 1));
    const due = performance.now() + 5;
    while (performance.now() < due) {
      // The timer is due before any request starts.
    }
    const done = Array.from({ length: 7 }, (_, i) => turns.run(taking(clock, 4, log, `r${i}`)));
    await Promise.all([...done, timer]);
    // r0-r2 at once, which spends the turn's budget; the timer in the next turn, then r3-r5 in its
    // check phase, then r6.
    expect(log).toEqual(['r0', 'r1', 'r2', 'timer', 'r3', 'r4', 'r5', 'r6']);
  });

  it('still handles queued requests when one alone is over budget: one in each check phase that starts a fresh slice', async () => {
    const clock = { t: 0 };
    const turns = new RequestTurns(1, () => clock.t);
    const log: string[] = [];
    const done = [1, 2, 3].map((n) => turns.run(taking(clock, 50, log, `r${n}`)));
    expect(log).toEqual(['r1']);
    await nextTurn();
    // r1 spent this turn's budget before its check phase.
    expect(log).toEqual(['r1']);
    await nextTurn();
    expect(log).toEqual(['r1', 'r2']);
    await Promise.all(done);
    expect(log).toEqual(['r1', 'r2', 'r3']);
  });

  it('gives the check phase only what a slice begun earlier in the same turn left of the budget', async () => {
    const clock = { t: 0 };
    const turns = new RequestTurns(10, () => clock.t, 1);
    const log: string[] = [];
    let release = () => {};
    // Spends 6 ms of this turn (as the reads and a reload in its poll phase would), then waits on I/O.
    const io = turns.run(() => {
      log.push('io');
      clock.t += 6;
      return new Promise<void>((resolve) => (release = resolve));
    });
    // One handler in flight at most: these wait for the check phase.
    const done = [0, 1, 2].map((i) => turns.run(taking(clock, 3, log, `r${i}`)));
    expect(log).toEqual(['io']);
    await nextTurn();
    // 4 ms were left: r0 (to 9 ms) and r1 (to 12 ms); a fresh budget would have started r2 as well.
    expect(log).toEqual(['io', 'r0', 'r1']);
    release();
    await Promise.all([io, ...done]);
    expect(log).toEqual(['io', 'r0', 'r1', 'r2']);
  });

  it('settles each request as its handler does, and a failing one stops no other (at once and queued)', async () => {
    const clock = { t: 0 };
    const turns = new RequestTurns(10, () => clock.t);
    const outcomes = [
      turns.run(async () => {
        throw new Error('refused at once');
      }),
      turns.run(() => {
        clock.t += 20;
        throw new Error('thrown before any await');
      }),
      turns.run(async () => {
        throw new Error('refused in a turn');
      }),
    ];
    let ran = false;
    const fine = turns.run(async () => {
      ran = true;
    });
    expect(turns.pending).toBe(2);
    await expect(outcomes[0]).rejects.toThrow('refused at once');
    await expect(outcomes[1]).rejects.toThrow('thrown before any await');
    await expect(outcomes[2]).rejects.toThrow('refused in a turn');
    await expect(fine).resolves.toBeUndefined();
    expect(ran).toBe(true);
  });
  it('counts the time handlers spend after an await against the slice, so a queued request waits for the next one', async () => {
    const clock = { t: 0 };
    const turns = new RequestTurns(15, () => clock.t, 2);
    const log: string[] = [];
    // Registered before the slice's own, so it runs first in the check phase that ends the slice.
    setImmediate(() => log.push('check'));
    // Nothing before the await: each handler's 6 ms come in the microtasks after it started.
    const continuing = (name: string) => async () => {
      await Promise.resolve();
      clock.t += 6;
      log.push(name);
    };
    const done = [0, 1, 2, 3, 4].map((i) => turns.run(continuing(`r${i}`)));
    await Promise.all(done);
    // r0 and r1 start at once (2 in flight) and end at 12 ms, which starts r2 and r3 (under 15);
    // they end at 24 ms, over the budget: r4 waits for the next slice.
    expect(log).toEqual(['r0', 'r1', 'r2', 'r3', 'check', 'r4']);
  });

  it('starts at most maxInFlight handlers per slice; one waiting on I/O stops counting when its slice ends', async () => {
    const turns = new RequestTurns(10, () => 0, 2);
    const gates: Array<() => void> = [];
    const started: number[] = [];
    const waitingOnIo = (i: number) => () => {
      started.push(i);
      return new Promise<void>((resolve) => gates.push(resolve));
    };
    const done = [0, 1, 2, 3, 4].map((i) => turns.run(waitingOnIo(i)));
    expect(started).toEqual([0, 1]);
    expect(turns.pending).toBe(3);
    // r0 and r1 still wait when the slice ends: the next slice starts two more, without waiting for them.
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3]);
    // In that slice, r3 settling frees a place at once.
    gates[3]!();
    await done[3];
    expect(started).toEqual([0, 1, 2, 3, 4]);
    for (const open of gates) open();
    await Promise.all(done);
    expect(turns.pending).toBe(0);
  });
});
