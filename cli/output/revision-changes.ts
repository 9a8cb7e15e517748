import type { Revision } from '../api-types.ts';

const SIGN = { created: '+', updated: '~', deleted: '-' } as const;

/** `+VirtualService shop/reviews, ~DestinationRule shop/reviews` shortened to `max` entries. */
export function changeSummary(rev: Revision, max = 3): string {
  const parts = rev.changes.map((c) => `${SIGN[c.action]}${c.kind} ${c.namespace}/${c.name}`);
  if (parts.length === 0) return '(no change)';
  return parts.length > max ? `${parts.slice(0, max).join(', ')} and ${parts.length - max} more` : parts.join(', ');
}
