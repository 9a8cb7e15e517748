import type { Revision } from '../api-types.ts';
import { preciseDuration } from './time.ts';

/** Time from commit to the last proxy ACK, if the API reports it for this revision. */
export function convergenceMs(rev: Revision): number | undefined {
  if (typeof rev.convergenceMs === 'number') return rev.convergenceMs;
  if (typeof rev.convergenceSeconds === 'number') return rev.convergenceSeconds * 1000;
  if (typeof rev.convergedAt === 'string') {
    const ms = Date.parse(rev.convergedAt) - Date.parse(rev.createdAt);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** Whether the API exposes convergence at all (then `history` shows a CONVERGED column). */
export const reportsConvergence = (revs: readonly Revision[]) => revs.some((r) => 'convergenceMs' in r || 'convergenceSeconds' in r || 'convergedAt' in r);

export function convergedCell(rev: Revision): string {
  const ms = convergenceMs(rev);
  return ms === undefined ? '-' : preciseDuration(ms);
}
