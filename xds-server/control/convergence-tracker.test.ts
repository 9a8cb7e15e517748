import { describe, expect, it } from 'vitest';
import { ConvergenceTracker } from './convergence-tracker.ts';

describe('ConvergenceTracker', () => {
  it('reports seconds from commit to the last proxy, and a newer revision settles older ones', () => {
    const converged: [number, number][] = [];
    const t = new ConvergenceTracker({ onConverged: (_m, revision, seconds) => converged.push([revision, seconds]) });
    t.begin('d/m', 7, 1_000, ['s1', 's2']);
    t.synced('d/m', 's1', 7, 1_400);
    expect(t.get('d/m', 7)).toEqual({ proxies: 2, acked: 1 });
    t.begin('d/m', 8, 1_500, ['s1', 's2']);
    t.synced('d/m', 's2', 8, 2_250);
    expect(t.get('d/m', 7)).toEqual({ proxies: 2, acked: 2, seconds: 1.25 });
    expect(t.get('d/m', 8)).toEqual({ proxies: 2, acked: 1 });
    t.gone('d/m', 's1');
    expect(t.get('d/m', 8)).toEqual({ proxies: 1, acked: 1, seconds: 0.75 });
    expect(converged).toEqual([
      [7, 1.25],
      [8, 0.75],
    ]);
  });

  it('keeps a bounded history', () => {
    const t = new ConvergenceTracker({ historyPerMesh: 2 });
    for (const n of [1, 2, 3]) t.begin('d/m', n, 0, ['s']);
    expect(t.get('d/m', 1)).toBeUndefined();
    expect(t.get('d/m', 3)).toEqual({ proxies: 1, acked: 0 });
  });
});
