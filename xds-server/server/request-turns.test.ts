import { describe, expect, it } from 'vitest';
import { RequestTurns } from './request-turns.ts';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RequestTurns', () => {
  it('starts nothing inside the caller: queued requests start in a later turn, in arrival order', async () => {
    const turns = new RequestTurns(1000);
    const started: number[] = [];
    const done = [1, 2, 3].map((n) => turns.run(async () => void started.push(n)));
    expect(started).toEqual([]);
    expect(turns.pending).toBe(3);
    await Promise.all(done);
    expect(started).toEqual([1, 2, 3]);
    expect(turns.pending).toBe(0);
  });

  it('gives the event loop back once a turn spent its budget, so a due timer runs between turns', async () => {
    // From a timer callback: the first turn runs in this loop iteration's check phase, the timer below in the next's timers phase.
    await new Promise((resolve) => setTimeout(resolve, 0));
    let clock = 0;
    const turns = new RequestTurns(10, () => clock);
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void order.push('timer')), 1));
    const due = performance.now() + 5;
    while (performance.now() < due) {
      // The timer is due before any request starts.
    }
    // Each request "takes" 4 ms: a 10 ms turn starts three (the third crosses the budget), then yields.
    const done = Array.from({ length: 7 }, (_, i) =>
      turns.run(async () => {
        clock += 4;
        order.push(`r${i}`);
      }),
    );
    await Promise.all([...done, timer]);
    expect(order).toEqual(['r0', 'r1', 'r2', 'timer', 'r3', 'r4', 'r5', 'r6']);
  });

  it('handles at least one request per turn even when one alone is over budget', async () => {
    let clock = 0;
    const turns = new RequestTurns(1, () => clock);
    const started: number[] = [];
    const done = [1, 2].map((n) =>
      turns.run(async () => {
        clock += 50;
        started.push(n);
      }),
    );
    await nextTurn();
    expect(started).toEqual([1]);
    await Promise.all(done);
    expect(started).toEqual([1, 2]);
  });

  it('settles each request as its handler does, and a failing one stops no other', async () => {
    const turns = new RequestTurns();
    const failing = turns.run(async () => {
      throw new Error('refused');
    });
    const throwing = turns.run(() => {
      throw new Error('thrown before any await');
    });
    let ran = false;
    const fine = turns.run(async () => {
      ran = true;
    });
    await expect(failing).rejects.toThrow('refused');
    await expect(throwing).rejects.toThrow('thrown before any await');
    await expect(fine).resolves.toBeUndefined();
    expect(ran).toBe(true);
  });
});
