import type { ProxyView } from '../api-types.ts';
import type { Paint } from './color.ts';
import type { Cell } from './table.ts';

// The reason is one line of a terminal table: no control character may move the cursor or recolour it.
const printable = (text: string) => text.replace(/\p{Cc}/gu, ' ');

/** `registered`, `registered (group ns/name)`, `refused`, or `-` for proxies that never register (gateways, no inbound port). */
export function registrationCell(p: Pick<ProxyView, 'registration'>): Cell {
  const r = p.registration;
  if (!r) return '-';
  if (r.state === 'refused') return { text: 'refused', color: 'red' };
  return r.group ? `registered (group ${printable(r.group)})` : 'registered';
}

/** One `REFUSED <proxy>: <reason>` line per refused proxy, for under the table. */
export function refusalLines(items: readonly Pick<ProxyView, 'proxyId' | 'registration'>[], paint: Paint): string[] {
  return items
    .filter((p) => p.registration?.state === 'refused')
    .map((p) => `${paint('REFUSED', 'red')} ${printable(p.proxyId)}: ${printable(p.registration!.reason ?? 'no reason given')}\n`);
}
