import { describe, expect, it } from 'vitest';
import { PushQueue } from './push-queue.ts';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('PushQueue', () => {
  it('runs pushes after the current task, in order, and leaves those past the budget for a later turn', async () => {
    const clock = { t: 0 };
    const pushes = new PushQueue({ budgetMs: 10, now: () => clock.t });
    const log: string[] = [];
    for (let i = 0; i < 5; i++) {
      pushes.schedule(() => {
        clock.t += 4;
        log.push(`p${i}`);
      });
    }
    // Nothing runs inside the publishing task itself.
    expect(log).toEqual([]);
    await Promise.resolve();
    // 4 ms each: the third crosses the 10 ms budget, so the fourth and fifth wait.
    expect(log).toEqual(['p0', 'p1', 'p2']);
    expect(pushes.pending).toBe(2);
    await nextTurn();
    expect(log).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(pushes.pending).toBe(0);
  });

  it('lets a due timer run between the turns of a long queue', async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const clock = { t: 0 };
    const pushes = new PushQueue({ budgetMs: 10, now: () => clock.t });
    const log: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void log.push('timer')), 1));
    const due = performance.now() + 5;
    while (performance.now() < due) {
      // The timer is due before any push runs.
    }
    for (let i = 0; i < 9; i++) {
      pushes.schedule(() => {
        clock.t += 4;
        log.push(`p${i}`);
      });
    }
    await timer;
    while (pushes.pending > 0) await nextTurn();
    // p0-p2 in the microtask drain, p3-p5 in the first check phase, then the timer, then the rest.
    expect(log).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'timer', 'p6', 'p7', 'p8']);
  });

  it('continues past the budget where it is told to (the request slices), in order', async () => {
    const clock = { t: 0 };
    const turns: (() => void)[] = [];
    const pushes = new PushQueue({ budgetMs: 10, now: () => clock.t, later: (resume) => turns.push(resume) });
    const log: string[] = [];
    for (let i = 0; i < 7; i++) {
      pushes.schedule(() => {
        clock.t += 4;
        log.push(`p${i}`);
      });
    }
    await Promise.resolve();
    expect(log).toEqual(['p0', 'p1', 'p2']);
    // Nothing runs until the scheduler it was handed gives it a turn, however many turns of the loop pass.
    await nextTurn();
    await nextTurn();
    expect(log).toEqual(['p0', 'p1', 'p2']);
    expect(turns).toHaveLength(1);
    turns.shift()!();
    expect(log).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    turns.shift()!();
    expect(log).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    expect(turns).toHaveLength(0);
    expect(pushes.pending).toBe(0);
  });

  it('asks the turn it is given whether time is left before each push, and still runs one push in each turn it is handed', async () => {
    // The turn already spent 6 of its 10 ms (a reload) when the publish scheduled the pushes.
    const clock = { t: 6 };
    const turns: (() => void)[] = [];
    const pushes = new PushQueue({ budgetMs: 10, now: () => clock.t, later: (resume) => turns.push(resume), turnHasTime: () => clock.t < 10 });
    const log: string[] = [];
    for (let i = 0; i < 4; i++) {
      pushes.schedule(() => {
        clock.t += 4;
        log.push(`p${i}`);
      });
    }
    await Promise.resolve();
    // A budget of its own would have run p0-p2; the turn had time for p0 only.
    expect(log).toEqual(['p0']);
    expect(turns).toHaveLength(1);
    // Handed a turn whose budget the turn's own check already counts as spent: one push still runs.
    turns.shift()!();
    expect(log).toEqual(['p0', 'p1']);
    clock.t = 0;
    turns.shift()!();
    expect(log).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(pushes.pending).toBe(0);
  });

  it('keeps going after a push throws, and takes pushes scheduled while it drains', async () => {
    const pushes = new PushQueue({ budgetMs: 10, now: () => 0 });
    const log: string[] = [];
    pushes.schedule(() => {
      throw new Error('stream gone');
    });
    pushes.schedule(() => {
      log.push('a');
      pushes.schedule(() => log.push('c'));
    });
    pushes.schedule(() => log.push('b'));
    await Promise.resolve();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(pushes.pending).toBe(0);
    // Idle again: the next push is scheduled afresh.
    pushes.schedule(() => log.push('d'));
    await Promise.resolve();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
  });
});
