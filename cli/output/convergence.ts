import type { Revision } from '../api-types.ts';
import { preciseDuration } from './time.ts';

/** Whether the API exposes convergence at all (then `history` shows a CONVERGED column). */
export const reportsConvergence = (revs: readonly Revision[]) => revs.some((r) => r.convergence !== undefined);

/** `1.2s` once every proxy ACKed; `2/3` while some have not; `-` without a record. */
export function convergedCell(rev: Revision): string {
  const c = rev.convergence;
  if (!c) return '-';
  if (c.seconds !== undefined) return preciseDuration(c.seconds * 1000);
  return `${c.acked}/${c.proxies}`;
}
